package dev.mmps.training.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmps.settings.ValidationException;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.training.TestData;
import dev.mmps.training.data.FactorSource;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.model.Classifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eq. 7 as a layer on the 40 images of the golden MMPS table, with a teacher trained briefly on the 200 sample
 * originals: the map against a pixel-by-pixel reference, the identity that changes neither images nor the
 * teacher's loss, both losses against their formulas, learning that lowers the loss, and the file round trip.
 */
class CorrectionLayerTest {

    /** Float32 sums of three products against a double loop. */
    private static final float MAP_TOLERANCE = 1e-5f;
    /** Losses recomputed by other kernels from the same logits: float32 rounding only. */
    private static final double LOSS_TOLERANCE = 1e-4;
    /** Twenty Adam steps must undo at least half of a colour cast's distillation loss. */
    private static final double REQUIRED_REDUCTION = 0.5;

    private static OriginalSource originals;
    private static FactorSource table;
    private static Classifier teacher;

    @BeforeAll
    static void trainTeacher() {
        originals = OriginalReader.read(TestData.cifarSample());
        table = FactorSource.open(TestData.table("mmps-fp32"));
        teacher = TestData.sampleTeacher(originals);
    }

    @AfterAll
    static void closeTeacher() {
        teacher.close();
    }

    @Test
    void theMapIsEachPixelsChannelMixPlusBiasPlusImage() {
        ImageShape shape = new ImageShape(4, 5, 3);
        Random random = new Random(3);
        float[] w = randoms(random, 9);
        float[] b = randoms(random, 3);
        float[] added = randoms(random, shape.values());
        float[] x = randoms(random, 2 * shape.values());
        CorrectionLayer layer = new CorrectionLayer(shape, CorrectionLayer.Form.CHANNELS_AND_IMAGE, w, b, added);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] y = layer.apply(m.create(x, new Shape(2, 3, 4, 5))).toFloatArray();
            for (int n = 0; n < 2; n++) {
                for (int o = 0; o < 3; o++) {
                    for (int p = 0; p < 20; p++) {
                        double expected = b[o] + added[o * 20 + p];
                        for (int i = 0; i < 3; i++) {
                            expected += w[o * 3 + i] * x[(n * 3 + i) * 20 + p];
                        }
                        assertEquals(expected, y[(n * 3 + o) * 20 + p], MAP_TOLERANCE);
                    }
                }
            }
        }
        assertEquals(9 + 3 + 60, layer.storedValues());
        assertEquals(12, CorrectionLayer.identity(shape, CorrectionLayer.Form.CHANNELS).storedValues());
    }

    @Test
    void theIdentityChangesNeitherTheImagesNorTheTeachersLoss() {
        CorrectionLayer identity = CorrectionLayer.identity(table.shape(), CorrectionLayer.Form.CHANNELS_AND_IMAGE);
        DistillationLoss mse = new DistillationLoss(DistillationLoss.Kind.MSE, 1);
        try (NDManager m = NDManager.newBaseManager(teacher.runsOn())) {
            int[] all = IntStream.range(0, table.size()).toArray();
            NDArray rebuilt = table.images(m, all);
            NDArray mapped = new LayeredSource(table, identity).images(m, all);
            assertArrayEquals(rebuilt.toFloatArray(), mapped.toFloatArray(), "W = I, b = 0, B = 0 at step zero");
            NDArray target = teacher.logits(originals.images(m, match()));
            assertArrayEquals(mse.perImage(teacher.logits(rebuilt), target).toFloatArray(),
                    mse.perImage(teacher.logits(mapped), target).toFloatArray());
        }
    }

    @Test
    void bothLossesFollowTheirFormulas() {
        float[] s = {1.5f, -0.5f, 0.25f};
        float[] t = {0.5f, 1.0f, -2.0f};
        double temperature = 3;
        double mse = 0;
        for (int k = 0; k < 3; k++) {
            mse += (s[k] - t[k]) * (s[k] - t[k]) / 3.0;
        }
        double[] p = softmax(t, temperature);
        double[] q = softmax(s, temperature);
        double kl = 0;
        for (int k = 0; k < 3; k++) {
            kl += p[k] * Math.log(p[k] / q[k]);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(s, new Shape(1, 3));
            NDArray target = m.create(t, new Shape(1, 3));
            assertEquals(mse, new DistillationLoss(DistillationLoss.Kind.MSE, 1).perImage(logits, target).getFloat(),
                    LOSS_TOLERANCE);
            assertEquals(kl * temperature * temperature, new DistillationLoss(DistillationLoss.Kind.KL, temperature)
                    .perImage(logits, target).getFloat(), LOSS_TOLERANCE);
            assertEquals(0, new DistillationLoss(DistillationLoss.Kind.KL, temperature).perImage(target, target)
                    .getFloat(), LOSS_TOLERANCE, "no divergence from itself");
        }
    }

    /**
     * The golden table rebuilds its images almost exactly, so the images to correct are the table's with a known
     * colour cast (channels mixed and shifted): the learned layer must undo most of it, by either loss.
     */
    @Test
    void learningLowersEitherLossAndTheLayerRoundTripsThroughItsFile(@TempDir Path dir) {
        float[] cast = {0.7f, 0.2f, 0f, 0f, 0.8f, 0.1f, 0.1f, 0f, 0.6f};
        LayeredSource distorted = new LayeredSource(table, new CorrectionLayer(table.shape(),
                CorrectionLayer.Form.CHANNELS, cast, new float[] {0.1f, -0.05f, 0.15f}, new float[0]));
        for (DistillationLoss loss : new DistillationLoss[] {new DistillationLoss(DistillationLoss.Kind.MSE, 1),
                new DistillationLoss(DistillationLoss.Kind.KL, 4)}) {
            LayerLearner.Settings settings = new LayerLearner.Settings(CorrectionLayer.Form.CHANNELS_AND_IMAGE, loss, 10,
                    0.01f, 20);
            LayerLearner.Outcome outcome = LayerLearner.learn(teacher, originals, distorted, settings, 7, "test " + loss);
            LayerLearner.Summary summary = outcome.summary();
            assertTrue(summary.kept() && summary.lossAfter() < REQUIRED_REDUCTION * summary.lossBefore(),
                    summary.toString());
            try (NDManager m = NDManager.newBaseManager(teacher.runsOn())) {
                int[] all = IntStream.range(0, table.size()).toArray();
                NDArray target = teacher.logits(originals.images(m, match()));
                assertEquals(summary.lossBefore(), loss.perImage(teacher.logits(distorted.images(m, all)), target)
                        .mean().getFloat(), LOSS_TOLERANCE * summary.lossBefore(), "the identity's loss");
                assertEquals(summary.lossAfter(), loss.perImage(teacher.logits(new LayeredSource(distorted,
                        outcome.layer()).images(m, all)), target).mean().getFloat(), LOSS_TOLERANCE
                        * summary.lossBefore(), "the learned layer's loss, applied as the Dataset applies it");
            }
            Path folder = dir.resolve(loss.kind().name());
            CorrectionLayer.write(folder, outcome.layer(), summary);
            CorrectionLayer read = CorrectionLayer.read(folder);
            assertArrayEquals(outcome.layer().weight(), read.weight());
            assertArrayEquals(outcome.layer().bias(), read.bias());
            assertArrayEquals(outcome.layer().image(), read.image());
            assertEquals(outcome.layer().form(), read.form());
            assertEquals(summary, CorrectionLayer.summary(folder));
            assertEquals(9 + 3 + 32 * 32 * 3, summary.storedValues());
            assertEquals(distorted.storedValues() + summary.storedValues(),
                    new LayeredSource(distorted, read).storedValues());
            assertTrue(CorrectionLayer.storedBytes(folder) > 0);
        }
    }

    @Test
    void aLayerFileOfANewerVersionOrAnotherShapeIsRefused(@TempDir Path dir) throws Exception {
        CorrectionLayer identity = CorrectionLayer.identity(table.shape(), CorrectionLayer.Form.CHANNELS);
        CorrectionLayer.write(dir, identity, null);
        Path file = dir.resolve(CorrectionLayer.FILE);
        Files.writeString(file, Files.readString(file).replaceFirst("\"version\"\\s*:\\s*1", "\"version\": 2"));
        ValidationException newer = assertThrows(ValidationException.class, () -> CorrectionLayer.read(dir));
        assertTrue(newer.getMessage().contains("version 2") && newer.getMessage().contains("upgrade"),
                newer.getMessage());
        CorrectionLayer other = CorrectionLayer.identity(new ImageShape(28, 28, 1), CorrectionLayer.Form.CHANNELS);
        ValidationException shape = assertThrows(ValidationException.class, () -> new LayeredSource(table, other));
        assertTrue(shape.getMessage().contains("28x28"), shape.getMessage());
        assertFalse(Files.exists(dir.resolve(CorrectionLayer.FILE + ".tmp")));
    }

    /** The originals' indices of the table's rows. */
    private static int[] match() {
        return CorrectionLearner.matchById(originals, table);
    }

    private static double[] softmax(float[] logits, double temperature) {
        double[] e = new double[logits.length];
        double sum = 0;
        for (int k = 0; k < logits.length; k++) {
            e[k] = Math.exp(logits[k] / temperature);
            sum += e[k];
        }
        for (int k = 0; k < logits.length; k++) {
            e[k] /= sum;
        }
        return e;
    }

    private static float[] randoms(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }
}
