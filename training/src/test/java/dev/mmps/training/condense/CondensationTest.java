package dev.mmps.training.condense;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.TestData;
import dev.mmps.training.data.Augmentation;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.files.JsonFiles;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private static final Condensation.Settings SETTINGS = new Condensation.Settings(1, 4, 3, 1, 2, 0.01, 0.01, 0.01,
            2, 3);

    private static OriginalSource originals;
    private static Path expertsFolder;

    @BeforeAll
    static void recordExperts(@TempDir Path dir) {
        originals = OriginalReader.read(TestData.cifarSample());
        expertsFolder = dir.resolve("experts");
        Experts.record(expertsFolder, originals, "sample", new Experts.Settings(16, 1, 2, 3, 0.01, 50,
                Augmentation.NONE, 1), Device.cpu());
    }

    @Test
    void theSameSeedGivesTheSameSetAndAResumedRunEqualsAnUninterruptedOne(@TempDir Path dir) throws Exception {
        Experts experts = Experts.open(expertsFolder);
        Path whole = Condensation.mtt(dir.resolve("whole"), experts, "experts", originals, SETTINGS, Device.cpu());
        Path again = Condensation.mtt(dir.resolve("again"), experts, "experts", originals, SETTINGS, Device.cpu());
        Path stopped = Condensation.mtt(dir.resolve("stopped"), experts, "experts", originals, SETTINGS, Device.cpu(),
                3);
        assertFalse(Files.exists(stopped.resolve(Condensation.MANIFEST)), "a stopped run does not look finished");
        Condensation.mtt(stopped, experts, "experts", originals, SETTINGS, Device.cpu());

        JsonNode manifest = JsonFiles.readTree(whole.resolve(Condensation.MANIFEST));
        long pixels = 32 * 32 * 3;
        assertEquals(10 * pixels + 1, manifest.get("stored_values").asLong(), "ten images and the learning rate");
        assertEquals(Condensation.budget(1, 10, pixels), manifest.get("budget_values").asLong());
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDList set = Condensation.read(whole, manager);
            float[] images = set.get(0).toFloatArray();
            assertEquals(10 * pixels, images.length);
            assertArrayEquals(images, Condensation.read(again, manager).get(0).toFloatArray(), REPEAT_TOLERANCE);
            assertArrayEquals(images, Condensation.read(stopped, manager).get(0).toFloatArray(),
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
        Condensation.Settings tooFar = new Condensation.Settings(1, 4, 3, 2, 3, 0.01, 0.01, 0.01, 2, 3);
        ValidationException far = assertThrows(ValidationException.class,
                () -> Condensation.mtt(dir.resolve("far"), experts, "experts", originals, tooFar, Device.cpu()));
        assertTrue(far.getMessage().contains("max-start-epoch 3") && far.getMessage().contains("have 3"),
                far.getMessage());
        assertFalse(Files.exists(dir.resolve("far")), "a refused run writes nothing");
        Condensation.Settings tooMany = new Condensation.Settings(100, 4, 3, 1, 2, 0.01, 0.01, 0.01, 2, 3);
        ValidationException many = assertThrows(ValidationException.class,
                () -> Condensation.mtt(dir.resolve("many"), experts, "experts", originals, tooMany, Device.cpu()));
        assertTrue(many.getMessage().contains("fewer than ipc 100"), many.getMessage());
        ValidationException none = assertThrows(ValidationException.class,
                () -> new Condensation.Settings(0, 4, 3, 1, 2, 0.01, 0.01, 0.01, 2, 3));
        assertTrue(none.getMessage().contains("ipc 0"), none.getMessage());

        Path out = Condensation.mtt(dir.resolve("done"), experts, "experts", originals, SETTINGS, Device.cpu(), 2);
        Condensation.Settings other = new Condensation.Settings(1, 5, 3, 1, 2, 0.01, 0.01, 0.01, 2, 3);
        ValidationException resumed = assertThrows(ValidationException.class,
                () -> Condensation.mtt(out, experts, "experts", originals, other, Device.cpu()));
        assertTrue(resumed.getMessage().contains("other settings"), resumed.getMessage());
    }
}
