package dev.mmps.training.condense;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.TestData;
import dev.mmps.training.data.Augmentation;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.files.JsonFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MTT's condensation on the 200 sample images against tiny experts: the stored values equal the budget's
 * formula, the same seed gives the same set, a run stopped at a checkpoint resumes to the set an uninterrupted
 * run makes, and settings the experts or the data cannot serve are refused before anything is learned.
 */
class CondensationTest {

    /** Two runs of the same seeded iterations on the CPU: equal up to float32 summation order. */
    private static final float REPEAT_TOLERANCE = 1e-5f;
    /**
     * A resumed run against an uninterrupted one after the resumed iteration: the matching loss agrees to
     * float32 rounding, and the pixels differ by at most two Adam steps of the image learning rate (Adam
     * moves a pixel whose gradient is near zero by about its step either way, so rounding differences of
     * convolution kernels between calls can flip it).
     */
    private static final double RESUMED_LOSS_TOLERANCE = 1e-5;
    private static final float RESUMED_PIXEL_TOLERANCE = 2 * 0.01f;

    private static final Condensation.Settings SETTINGS = settings("mtt", 1, 4, 1, 2);

    private static OriginalSource originals;
    private static Path expertsFolder;
    private static Path oneExpertFolder;

    @BeforeAll
    static void recordExperts(@TempDir Path dir) {
        originals = OriginalReader.read(TestData.cifarSample());
        expertsFolder = dir.resolve("experts");
        Experts.record(expertsFolder, originals, "sample", new Experts.Settings(16, 1, 2, 3, 0.01, 50,
                Augmentation.NONE, 1), Device.cpu());
        oneExpertFolder = dir.resolve("one-expert");
        Experts.record(oneExpertFolder, originals, "sample", new Experts.Settings(16, 1, 1, 1, 0.01, 50,
                Augmentation.NONE, 1), Device.cpu());
    }

    @Test
    void everyMethodLowersTheMatchingLossOfAFixedSegmentWithinItsBudget(@TempDir Path dir) throws Exception {
        // One expert, start epoch 0 and every synthetic image in every step: each iteration has the same loss
        // function, so the losses must fall. NSD's guidance (a fresh real batch each iteration) is left out.
        Experts experts = Experts.open(oneExpertFolder);
        for (String method : Condensation.METHODS) {
            Condensation.Settings s = new Condensation.Settings(method, 1, 5, 3, Integer.MAX_VALUE, 1, 1, 0.01, 0,
                    0.01, 5, 3, new SpectralForm.Settings(1, 2, 2, 0), new LowRankForm.Settings(8, true, 0.01, 1));
            Path out = Condensation.run(dir.resolve(method), experts, "experts", originals, s, Device.cpu());
            SyntheticTable.Manifest m = SyntheticTable.manifest(out);
            double first = m.losses().get(0);
            double last = m.losses().get(m.losses().size() - 1);
            assertTrue(last < first, method + ": the matching loss went from " + first + " to " + last);
            SyntheticForm form = Condensation.form(experts, s);
            assertEquals(form.storedValues(), m.storedValues(), method);
            assertTrue(m.storedValues() <= m.budgetValues(), method + " within its budget");
            assertEquals(method, m.method());
            try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
                SyntheticTable.Contents contents = SyntheticTable.read(out, manager);
                assertEquals(new Shape(form.images(), 3, 32, 32), contents.images().getShape(), method);
                assertEquals(new Shape(form.images(), 10), contents.labels().getShape(), method);
            }
        }
    }

    @Test
    void aStoppedLowRankRunResumesToTheSetAnUninterruptedRunMakes(@TempDir Path dir) throws Exception {
        Experts experts = Experts.open(expertsFolder);
        Condensation.Settings s = settings("lss", 1, 4, 1, 2);
        Path whole = Condensation.run(dir.resolve("whole"), experts, "experts", originals, s, Device.cpu());
        Path stopped = Condensation.run(dir.resolve("stopped"), experts, "experts", originals, s, Device.cpu(), 3);
        Condensation.run(stopped, experts, "experts", originals, s, Device.cpu());
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            SyntheticTable.Contents a = SyntheticTable.read(whole, manager);
            SyntheticTable.Contents b = SyntheticTable.read(stopped, manager);
            for (int i = 0; i < a.arrays().size(); i++) {
                assertArrayEquals(a.arrays().get(i).toFloatArray(), b.arrays().get(i).toFloatArray(),
                        RESUMED_PIXEL_TOLERANCE, a.form().names().get(i));
            }
        }
        List<Double> losses = SyntheticTable.manifest(whole).losses();
        List<Double> resumed = SyntheticTable.manifest(stopped).losses();
        for (int i = 0; i < losses.size(); i++) {
            assertEquals(losses.get(i), resumed.get(i), RESUMED_LOSS_TOLERANCE * losses.get(i), "iteration " + i);
        }
    }

    @Test
    void aSetOfRankAutoRecordsTheRankItUsed(@TempDir Path dir) {
        // CIFAR-10 images at IPC 1 aiming at 10 images a class (the sample holds 20 a class): rank 9 keeps 11 and
        // rank 10 keeps 9, as near, so auto takes rank 9. The manifest holds rank 9 and no aim, so the same
        // folder is the finished set for settings that name rank 9, and refused for rank 10.
        Experts experts = Experts.open(oneExpertFolder);
        Path out = Condensation.run(dir.resolve("auto"), experts, "experts", originals, lowRank(null), Device.cpu());
        SyntheticTable.Manifest m = SyntheticTable.manifest(out);
        assertEquals(9, m.settings().lss().rank());
        assertEquals(null, m.settings().lss().autoImages());
        assertEquals(11, m.imagesPerClass());
        assertEquals(out, Condensation.run(out, experts, "experts", originals, lowRank(9), Device.cpu()));
        ValidationException other = assertThrows(ValidationException.class,
                () -> Condensation.run(out, experts, "experts", originals, lowRank(10), Device.cpu()));
        assertTrue(other.getMessage().contains("other settings"), other.getMessage());
    }

    private static Condensation.Settings lowRank(Integer rank) {
        return new Condensation.Settings("lss", 1, 1, 1, 10, 1, 1, 0.01, 0.01, 0.01, 1, 3,
                new SpectralForm.Settings(1, 2, 2, 0.1), new LowRankForm.Settings(rank, true, 0.01, 0.5, 1, 10));
    }

    @Test
    void theSameSeedGivesTheSameSetAndAResumedRunEqualsAnUninterruptedOne(@TempDir Path dir) throws Exception {
        Experts experts = Experts.open(expertsFolder);
        Path whole = Condensation.run(dir.resolve("whole"), experts, "experts", originals, SETTINGS, Device.cpu());
        Path again = Condensation.run(dir.resolve("again"), experts, "experts", originals, SETTINGS, Device.cpu());
        Path stopped = Condensation.run(dir.resolve("stopped"), experts, "experts", originals, SETTINGS, Device.cpu(),
                3);
        assertFalse(Files.exists(stopped.resolve(Condensation.MANIFEST)), "a stopped run does not look finished");
        Condensation.run(stopped, experts, "experts", originals, SETTINGS, Device.cpu());

        JsonNode manifest = JsonFiles.readTree(whole.resolve(Condensation.MANIFEST));
        long pixels = 32 * 32 * 3;
        assertEquals(10 * pixels + 1, manifest.get("stored_values").asLong(), "ten images and the learning rate");
        assertEquals(10 * pixels + 1, manifest.get("budget_values").asLong());
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            float[] images = SyntheticTable.read(whole, manager).images().toFloatArray();
            assertEquals(10 * pixels, images.length);
            assertArrayEquals(images, SyntheticTable.read(again, manager).images().toFloatArray(), REPEAT_TOLERANCE);
            assertArrayEquals(images, SyntheticTable.read(stopped, manager).images().toFloatArray(),
                    RESUMED_PIXEL_TOLERANCE);
            float[] first = originals.images(manager, new int[] {0}).toFloatArray();
            assertTrue(first.length == pixels, "the sample's images are 32x32x3");
        }
        JsonNode resumed = JsonFiles.readTree(stopped.resolve(Condensation.MANIFEST));
        assertEquals(4, manifest.get("losses").size());
        assertEquals(4, resumed.get("losses").size(), "the resumed run keeps the losses of the first three");
        for (int i = 0; i < 4; i++) {
            double loss = manifest.get("losses").get(i).asDouble();
            assertEquals(loss, resumed.get("losses").get(i).asDouble(), RESUMED_LOSS_TOLERANCE * loss,
                    "iteration " + i);
        }
        assertEquals(manifest.get("learning_rate").asDouble(), resumed.get("learning_rate").asDouble(), 1e-6);
        assertTrue(manifest.get("learning_rate").asDouble() != 0.01, "the learning rate learns");
    }

    @Test
    void settingsTheExpertsCannotServeAreRefusedBeforeLearning(@TempDir Path dir) {
        Experts experts = Experts.open(expertsFolder);
        Condensation.Settings tooFar = settings("mtt", 1, 4, 2, 3);
        ValidationException far = assertThrows(ValidationException.class,
                () -> Condensation.run(dir.resolve("far"), experts, "experts", originals, tooFar, Device.cpu()));
        assertTrue(far.getMessage().contains("max-start-epoch 3") && far.getMessage().contains("have 3"),
                far.getMessage());
        assertFalse(Files.exists(dir.resolve("far")), "a refused run writes nothing");
        Condensation.Settings tooMany = settings("mtt", 100, 4, 1, 2);
        ValidationException many = assertThrows(ValidationException.class,
                () -> Condensation.run(dir.resolve("many"), experts, "experts", originals, tooMany, Device.cpu()));
        assertTrue(many.getMessage().contains("fewer than the 100 real images"), many.getMessage());
        ValidationException none = assertThrows(ValidationException.class, () -> settings("mtt", 0, 4, 1, 2));
        assertTrue(none.getMessage().contains("ipc 0"), none.getMessage());

        Path out = Condensation.run(dir.resolve("done"), experts, "experts", originals, SETTINGS, Device.cpu(), 2);
        Condensation.Settings other = settings("mtt", 1, 5, 1, 2);
        ValidationException resumed = assertThrows(ValidationException.class,
                () -> Condensation.run(out, experts, "experts", originals, other, Device.cpu()));
        assertTrue(resumed.getMessage().contains("other settings"), resumed.getMessage());
    }

    /**
     * Three student steps, checkpoints every two iterations, seed 3, and each method's sizes from
     * conf/evaluation.conf but lss's rank: 8, so that its 14 images per class start from the sample's 20.
     */
    static Condensation.Settings settings(String method, int ipc, int iterations, int expertEpochs,
            int maxStartEpoch) {
        return new Condensation.Settings(method, ipc, iterations, 3, 0, expertEpochs, maxStartEpoch, 0.01, 0.01, 0.01,
                2, 3, new SpectralForm.Settings(1, 2, 2, 0.1), new LowRankForm.Settings(8, true, 0.01, 0.5));
    }
}
