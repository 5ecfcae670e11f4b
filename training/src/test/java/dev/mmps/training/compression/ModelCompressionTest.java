package dev.mmps.training.compression;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import dev.mmps.tensor.Tolerance;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.tt.TtSvd;
import dev.mmps.tensor.weights.Mpo;
import dev.mmps.training.TestData;
import dev.mmps.training.data.Augmentation;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.data.SourceDataset;
import dev.mmps.training.factorised.Factorisation;
import dev.mmps.training.factorised.MpoLinear;
import dev.mmps.training.factorised.ProgressiveSchedule;
import dev.mmps.training.model.Architecture;
import dev.mmps.training.model.Classifier;
import dev.mmps.training.model.ClassifierTraining;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Factorised layers against the dense layers they replace, on the real DJL engine: exact at full rank,
 * counted by their formulas, trained progressively to the end of the schedule, saved and loaded unchanged.
 */
class ModelCompressionTest {

    private static final ImageShape CIFAR = new ImageShape(32, 32, 3);
    private static final List<String> CLASSES = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");

    @Test
    void mpoLayerAtFullBondEqualsItsDenseMatrixAndCountsItsParameters() {
        int[] out = {2, 4, 3};
        int[] in = {3, 2, 5};
        Random random = new Random(21);
        float[] w = new float[24 * 30];
        float[] b = new float[24];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextGaussian();
        }
        Mpo mpo = Mpo.fromMatrix(w, out, in, 0, new TtSvd(LowRankFactorizers.create("auto")));
        try (Model model = Model.newInstance("mpo")) {
            MpoLinear layer = new MpoLinear(out, in, mpo.bonds());
            model.setBlock(layer);
            NDManager m = model.getNDManager();
            layer.initialize(m, DataType.FLOAT32, new Shape(5, 30));
            layer.load(mpo, b);
            NDArray x = m.randomNormal(new Shape(5, 30));
            float[] y = layer.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow()
                    .toFloatArray();
            float[] xs = x.toFloatArray();
            double[] expected = new double[5 * 24];
            for (int r = 0; r < 5; r++) {
                for (int o = 0; o < 24; o++) {
                    double s = b[o];
                    for (int i = 0; i < 30; i++) {
                        s += (double) w[o * 30 + i] * xs[r * 30 + i];
                    }
                    expected[r * 24 + o] = s;
                }
            }
            assertClose(expected, y);
            long formula = 0;
            int[] bonds = mpo.bonds();
            for (int k = 0; k < 3; k++) {
                formula += (long) bonds[k] * out[k] * in[k] * bonds[k + 1];
            }
            assertEquals(formula + 24, layer.parameters());
            assertEquals(formula + 24, Classifier.parameters(layer));
        }
    }

    /** Each method at full rank (energy 1, or a bond no layer caps) leaves the network's function unchanged. */
    @ParameterizedTest
    @CsvSource({"convnet, tucker2", "convnet, svd-fc", "convnet, mpo", "lenet5, tucker2", "fc2, mpo"})
    void fullRankFactorisationsComputeTheSameLogits(String architecture, String method) {
        try (Classifier dense = initialised(Architecture.parse(architecture), 21);
                Classifier compressed = ModelCompression.decompose(dense, new ModelCompression.Request(
                        ModelCompression.Method.parse(method), 1.0, 100_000, List.of()))) {
            assertTrue(!compressed.spec().factorisation().isNone());
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = m.randomUniform(0, 1, new Shape(4, 3, 32, 32));
                assertClose(toDouble(dense.logits(x).toFloatArray()), compressed.logits(x).toFloatArray());
            }
        }
    }

    @Test
    void tucker2ByEnergyShrinksTheConvolutionsAndTheCostsAddUp() {
        try (Classifier dense = initialised(Architecture.CONVNET, 22);
                Classifier compressed = ModelCompression.decompose(dense, new ModelCompression.Request(
                        ModelCompression.Method.TUCKER2, 0.5, 1, List.of()))) {
            Shape input = new Shape(1, 3, 32, 32);
            List<LayerCosts.Cost> before = LayerCosts.of((SequentialBlock) dense.model().getBlock(), input);
            List<LayerCosts.Cost> after = LayerCosts.of((SequentialBlock) compressed.model().getBlock(), input);
            // The first convolution: 3 -> 64 filters of 3x3 at 32x32, no bias.
            assertEquals(64 * 3 * 9, before.get(1).parameters());
            assertEquals(64L * 3 * 9 * 32 * 32, before.get(1).multiplyAccumulates());
            for (Factorisation.Layer layer : compressed.spec().factorisation().layers()) {
                int rIn = layer.ranks().get(0);
                int rOut = layer.ranks().get(1);
                int cIn = layer.in().get(0);
                int cOut = layer.out().get(0);
                // A full-rank mode has no 1x1 layer: its rotation is folded into the core.
                assertEquals((rIn < cIn ? (long) cIn * rIn : 0) + (long) rIn * rOut * 9 + (rOut < cOut ? (long) rOut * cOut : 0),
                        after.get(layer.index()).parameters(), layer.describe());
                assertTrue(after.get(layer.index()).parameters() < before.get(layer.index()).parameters());
            }
        }
    }

    @Test
    void progressiveScheduleEndsWithTheOriginalsShareAtZero() {
        ProgressiveSchedule schedule = ProgressiveSchedule.overEpochs(2, 5);
        assertEquals(0.9, schedule.share(0), 1e-12);
        assertEquals(0.0, schedule.share(9));
        assertEquals(0.0, schedule.share(50));
        for (long s = 1; s < 10; s++) {
            assertTrue(schedule.share(s) < schedule.share(s - 1));
        }
    }

    /**
     * A real run on the bundled sample: progressive phase then fine-tuning; the compressed model is saved,
     * loads with its factorised layers and scores the same.
     */
    @Test
    void progressiveRunEndsFactorisedAndTheSavedModelScoresTheSame(@TempDir Path dir) {
        OriginalSource sample = OriginalReader.read(TestData.cifarSample());
        try (Classifier dense = Classifier.create(Classifier.Spec.of(Architecture.CONVNET, sample))) {
            SourceDataset train = new SourceDataset(sample, new SourceDataset.Options(50, true, Augmentation.NONE, 1));
            ClassifierTraining.fit(dense, train, new ClassifierTraining.Settings(2, 0.05f, 0.9f, 5e-4f), 1, "dense");
            CompressionRun run = new CompressionRun(50, Augmentation.NONE, 0.9f, 5e-4f, 0.01f, 1);
            ModelCompression.Request request = new ModelCompression.Request(ModelCompression.Method.TUCKER2, 0.9, 1,
                    List.of());
            try (CompressionRun.Outcome outcome = run.run(dense, ModelCompression.decompose(dense, request), "dense",
                    request, sample, sample, 1, 1)) {
                CompressionReport report = outcome.report();
                assertNotNull(report.accuracy().progressive());
                assertNotNull(report.accuracy().finetuned());
                assertEquals(3, report.layers().size());
                assertTrue(report.totals().layerParametersAfter() < report.totals().layerParametersBefore());
                // The network the classifier holds is the factorised one, not the blend.
                assertTrue(((SequentialBlock) outcome.classifier().model().getBlock()).getChildren().values().stream()
                        .noneMatch(b -> b instanceof dev.mmps.training.factorised.Blend));
                outcome.classifier().save(dir, outcome.notes());
                SourceDataset test = new SourceDataset(sample, SourceDataset.Options.inOrder(64));
                try (Classifier loaded = Classifier.load(dir); NDManager m = NDManager.newBaseManager()) {
                    assertEquals(outcome.classifier().spec(), loaded.spec());
                    NDArray x = m.randomUniform(0, 1, new Shape(3, 3, 32, 32));
                    assertArrayEquals(outcome.classifier().logits(x).toFloatArray(), loaded.logits(x).toFloatArray());
                    assertEquals(report.accuracy().finetuned(), ClassifierTraining.accuracy(loaded, test));
                }
            }
        }
    }

    /** A network of this architecture on 32x32x3 images with its parameters drawn at random from a seed. */
    static Classifier initialised(Architecture architecture, int seed) {
        Classifier c = Classifier.create(new Classifier.Spec(architecture, CIFAR, CLASSES,
                architecture.factorisation(CIFAR, CLASSES.size(), Architecture.DEFAULT_BOND)));
        ai.djl.engine.Engine.getInstance().setRandomSeed(seed);
        c.model().getBlock().initialize(c.model().getNDManager(), DataType.FLOAT32, new Shape(1, 3, 32, 32));
        return c;
    }

    private static void assertClose(double[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= Tolerance.NETWORK_F32 * scale, "largest difference " + worst + " of outputs up to " + scale);
    }

    private static double[] toDouble(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return d;
    }
}
