package dev.mmps.training.condense;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.TestData;
import dev.mmps.training.data.Augmentation;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Expert trajectories on the 200 sample images: recorded epoch by epoch, lowering the training loss, resumed
 * after a lost epoch to the same parameters, and refused when asked to continue with other settings; then
 * trajectory matching against them, whose loss falls when the synthetic images follow its gradient.
 */
class ExpertsTest {

    /** Two runs of the same seeded epoch on the CPU: equal up to float32 summation order. */
    private static final float REPEAT_TOLERANCE = 1e-5f;
    /** Ten steps along the meta-gradient must lower the matching loss by at least this share. */
    private static final double REQUIRED_MATCH_REDUCTION = 0.02;

    /** The largest pixel change of each step along the meta-gradient, on the [0, 1] scale. */
    private static final double PIXEL_STEP = 0.02;

    private static final Experts.Settings SETTINGS = new Experts.Settings(16, 2, 2, 3, 0.01, 32, Augmentation.NONE,
            7);

    private static OriginalSource originals;

    @BeforeAll
    static void read() {
        originals = OriginalReader.read(TestData.cifarSample());
    }

    @Test
    void expertsAreRecordedEpochByEpochAndResumeToTheSameParameters(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("experts");
        Experts experts = Experts.record(folder, originals, "sample", SETTINGS, Device.cpu());
        assertTrue(Files.isRegularFile(folder.resolve(Experts.MANIFEST)));
        ConvNetFunction network = experts.network();
        assertEquals(10, network.classes());
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDArray images = originals.images(manager, IntStream.range(0, originals.size()).toArray());
            NDArray targets = manager.create(IntStream.range(0, originals.size()).mapToLong(originals::label)
                    .toArray()).oneHot(10);
            double initial = network.gradient(experts.parameters(manager, 0, 0), images, targets, manager).value();
            double trained = network.gradient(experts.parameters(manager, 0, 3), images, targets, manager).value();
            assertTrue(trained < initial, "training loss " + initial + " -> " + trained);

            float[] recorded = flat(experts.parameters(manager, 1, 3));
            Files.delete(folder.resolve("expert-001/epoch-003.ndlist"));
            Files.delete(folder.resolve("expert-001/epoch-002.ndlist"));
            Experts resumed = Experts.record(folder, originals, "sample", SETTINGS, Device.cpu());
            assertArrayEquals(recorded, flat(resumed.parameters(manager, 1, 3)), REPEAT_TOLERANCE);
        }
    }

    @Test
    void otherSettingsOrMissingExpertsAreRefusedWithTheFix(@TempDir Path dir) {
        Path folder = dir.resolve("experts");
        Experts.Settings one = new Experts.Settings(16, 1, 1, 1, 0.01, 64, Augmentation.NONE, 1);
        Experts.record(folder, originals, "sample", one, Device.cpu());
        Experts.Settings wider = new Experts.Settings(32, 1, 1, 1, 0.01, 64, Augmentation.NONE, 1);
        ValidationException other = assertThrows(ValidationException.class,
                () -> Experts.record(folder, originals, "sample", wider, Device.cpu()));
        assertTrue(other.getMessage().contains("other settings") && other.getMessage().contains(folder.toString()),
                other.getMessage());
        ValidationException missing = assertThrows(ValidationException.class, () -> Experts.open(dir.resolve("no")));
        assertTrue(missing.getMessage().contains("mmps experts"), missing.getMessage());
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            ValidationException epoch = assertThrows(ValidationException.class,
                    () -> Experts.open(folder).parameters(manager, 0, 5));
            assertTrue(epoch.getMessage().contains("epoch 5"), epoch.getMessage());
        }
        assertThrows(ValidationException.class, () -> new Experts.Settings(16, 1, 0, 1, 0.01, 64, Augmentation.NONE,
                1));
    }

    @Test
    void followingTheMetaGradientLowersTheMatchingLoss(@TempDir Path dir) {
        Experts experts = Experts.record(dir.resolve("experts"), originals, "sample", SETTINGS, Device.cpu());
        ConvNetFunction network = experts.network();
        TrajectoryMatcher matcher = new TrajectoryMatcher(network, TrajectoryMatcher.DEFAULT_PROBE);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            TrajectoryMatcher.Segment segment = new TrajectoryMatcher.Segment(experts.parameters(manager, 0, 1),
                    experts.parameters(manager, 0, 3));
            int[] firstOfEachClass = new int[20];
            List<Integer> chosen = new ArrayList<>();
            for (int i = 0; i < originals.size() && chosen.size() < 20; i++) {
                int label = originals.label(i);
                if (firstOfEachClass[label]++ < 2) {
                    chosen.add(i);
                }
            }
            int[] indices = chosen.stream().mapToInt(Integer::intValue).toArray();
            NDArray images = originals.images(manager, indices);
            NDArray labels = manager.create(IntStream.of(indices).mapToLong(originals::label).toArray()).oneHot(10);
            List<NDArray> batches = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                batches.add(manager.arange(0, 20, 1, DataType.INT64));
            }
            double first = 0;
            double last = 0;
            for (int iteration = 0; iteration < 10; iteration++) {
                try (NDManager step = manager.newSubManager()) {
                    TrajectoryMatcher.Gradient g = matcher.match(segment,
                            new TrajectoryMatcher.Synthetic(images, labels, false), 0.01, batches);
                    if (iteration == 0) {
                        first = g.loss();
                    }
                    last = g.loss();
                    double largest = g.images().abs().max().getFloat();
                    NDArray update = g.images().mul(PIXEL_STEP / largest);
                    images.subi(update);
                    g.images().close();
                    update.close();
                    g.end().close();
                }
            }
            assertTrue(last < first * (1 - REQUIRED_MATCH_REDUCTION), "matching loss " + first + " -> " + last);
        }
    }

    private static float[] flat(NDList parameters) {
        List<Float> values = new ArrayList<>();
        for (NDArray p : parameters) {
            for (float v : p.toFloatArray()) {
                values.add(v);
            }
        }
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
