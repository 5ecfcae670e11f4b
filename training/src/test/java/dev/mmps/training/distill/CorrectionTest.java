package dev.mmps.training.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.TestData;
import dev.mmps.training.data.FactorSource;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.model.Classifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eq. 7 on the 40 images of the golden MMPS table, two batches of 20, with a teacher trained briefly on the
 * 200 sample originals: the correction starts at zero, lowers the distillation loss, survives its Parquet
 * table, the corrected source rebuilds what was learned, and a run stopped between batches continues from
 * what it kept.
 */
class CorrectionTest {

    /** Losses recomputed from the same arrays by the same kernels: float32 rounding only. */
    private static final double LOSS_TOLERANCE = 1e-4;
    /** Thirty Adam steps must at least halve the distillation loss on every batch. */
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
    void lowRankCorrectionStartsAtZeroAndLowersTheDistillationLoss(@TempDir Path dir) throws Exception {
        CorrectionLearner.Outcome outcome = CorrectionLearner.learn(teacher, originals, table,
                new CorrectionLearner.Settings(2, 30, 0.01f, 20), 11);
        assertEquals(uncorrectedLoss(), outcome.lossBefore(), LOSS_TOLERANCE * outcome.lossBefore());
        assertTrue(outcome.lossAfter() < REQUIRED_REDUCTION * outcome.lossBefore(),
                outcome.lossBefore() + " -> " + outcome.lossAfter());
        Corrections corrections = outcome.corrections();
        assertEquals(40, corrections.terms().size());
        assertEquals(2L * (32 + 32) * 3, corrections.valuesPerImage());

        CorrectionTable.Summary written = CorrectionTable.write(dir, corrections, CorrectionTable.Summary.learned("test",
                table.description(), "convnet", new CorrectionLearner.Settings(2, 30, 0.01f, 20), outcome));
        assertEquals(java.nio.file.Files.size(dir.resolve(CorrectionTable.TABLE)), written.storedBytes());
        assertEquals(written, CorrectionTable.summary(dir));
        assertEquals(40, written.images());
        assertEquals(corrections.valuesPerImage(), written.valuesPerImage());
        Corrections read = CorrectionTable.read(dir);
        assertEquals(corrections.terms().keySet(), read.terms().keySet());
        for (String id : corrections.terms().keySet()) {
            assertArrayEquals(corrections.terms().get(id).u(), read.terms().get(id).u());
            assertArrayEquals(corrections.terms().get(id).v(), read.terms().get(id).v());
        }
        CorrectedSource corrected = new CorrectedSource(table, read);
        assertEquals(table.storedValues() + 40 * corrections.valuesPerImage(), corrected.storedValues());
        assertEquals(outcome.lossAfter(), loss(corrected), LOSS_TOLERANCE * outcome.lossBefore());
        float[] plain = perImageLoss(table);
        float[] better = perImageLoss(corrected);
        for (int i = 0; i < plain.length; i++) {
            assertTrue(better[i] <= plain[i] + LOSS_TOLERANCE * outcome.lossBefore(),
                    "image " + table.id(i) + ": " + plain[i] + " -> " + better[i]);
        }
    }

    @Test
    void aStoppedRunContinuesFromItsCheckpointToTheCorrectionsOfAnUnbrokenRun(@TempDir Path dir) {
        CorrectionLearner.Settings settings = new CorrectionLearner.Settings(2, 10, 0.01f, 20);
        CorrectionLearner.Outcome unbroken = CorrectionLearner.learn(teacher, originals, table, settings, 13);

        CorrectionLearner.Checkpoint files = CorrectionTable.checkpoint(dir, "settings A", Duration.ZERO);
        class Stopped extends RuntimeException {}
        CorrectionLearner.Checkpoint stopsAfterOneBatch = new CorrectionLearner.Checkpoint() {
            @Override
            public CorrectionLearner.Progress resume() {
                return files.resume();
            }

            @Override
            public void keep(CorrectionLearner.Progress progress) {
                files.keep(progress);
                throw new Stopped();
            }
        };
        assertThrows(Stopped.class, () -> CorrectionLearner.learn(teacher, originals, table, settings, 13,
                stopsAfterOneBatch));
        assertEquals(20, files.resume().corrections().terms().size());

        ValidationException otherBatches = assertThrows(ValidationException.class, () -> CorrectionLearner.learn(
                teacher, originals, table, new CorrectionLearner.Settings(2, 10, 0.01f, 15), 13, files));
        assertTrue(otherBatches.getMessage().contains("remove " + dir.resolve(CorrectionTable.PROGRESS_TABLE)),
                otherBatches.getMessage());

        CorrectionLearner.Outcome resumed = CorrectionLearner.learn(teacher, originals, table, settings, 13, files);
        assertEquals(unbroken.corrections().terms().keySet(), resumed.corrections().terms().keySet());
        for (String id : unbroken.corrections().terms().keySet()) {
            assertArrayEquals(unbroken.corrections().terms().get(id).u(), resumed.corrections().terms().get(id).u(), id);
            assertArrayEquals(unbroken.corrections().terms().get(id).v(), resumed.corrections().terms().get(id).v(), id);
        }
        assertEquals(unbroken.lossBefore(), resumed.lossBefore(), LOSS_TOLERANCE * unbroken.lossBefore());
        assertEquals(unbroken.lossAfter(), resumed.lossAfter(), LOSS_TOLERANCE * unbroken.lossBefore());

        ValidationException otherSettings = assertThrows(ValidationException.class,
                () -> CorrectionTable.checkpoint(dir, "settings B", Duration.ZERO).resume());
        assertTrue(otherSettings.getMessage().contains("settings A") && otherSettings.getMessage().contains("settings B"),
                otherSettings.getMessage());

        CorrectionTable.write(dir, resumed.corrections(), CorrectionTable.Summary.learned("settings A",
                table.description(), "convnet", settings, resumed));
        assertFalse(Files.exists(dir.resolve(CorrectionTable.PROGRESS_TABLE)));
        assertFalse(Files.exists(dir.resolve(CorrectionTable.PROGRESS)));
        assertNull(files.resume());
    }

    @Test
    void fullCorrectionAlsoLowersTheLossAndLeavesTheTeacherAsItWas() {
        Map<String, Boolean> gradients = new java.util.LinkedHashMap<>();
        Map<String, float[]> values = new java.util.LinkedHashMap<>();
        for (var p : teacher.model().getBlock().getParameters()) {
            gradients.put(p.getKey(), p.getValue().requiresGradient());
            values.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        assertTrue(gradients.containsValue(false), "the teacher has statistics that take no gradient: " + gradients);
        CorrectionLearner.Outcome outcome = CorrectionLearner.learn(teacher, originals, table,
                new CorrectionLearner.Settings(0, 30, 0.01f, 20), 12);
        for (var p : teacher.model().getBlock().getParameters()) {
            assertEquals(gradients.get(p.getKey()), p.getValue().requiresGradient(), p.getKey());
            assertArrayEquals(values.get(p.getKey()), p.getValue().getArray().toFloatArray(), p.getKey());
        }
        assertEquals(uncorrectedLoss(), outcome.lossBefore(), LOSS_TOLERANCE * outcome.lossBefore());
        assertTrue(outcome.lossAfter() < REQUIRED_REDUCTION * outcome.lossBefore(),
                outcome.lossBefore() + " -> " + outcome.lossAfter());
        assertEquals(3L * 32 * 32, outcome.corrections().valuesPerImage());
    }

    /** The mean logit MSE of the table's images against their originals, no correction. */
    private static double uncorrectedLoss() {
        return loss(table);
    }

    private static double loss(dev.mmps.training.data.ImageSource source) {
        double sum = 0;
        for (float l : perImageLoss(source)) {
            sum += l;
        }
        return sum / source.size();
    }

    /** Per image of the source, the logit MSE against its original, with what the source adds. */
    private static float[] perImageLoss(dev.mmps.training.data.ImageSource source) {
        Map<String, Integer> byId = new HashMap<>();
        for (int i = 0; i < originals.size(); i++) {
            byId.put(originals.id(i), i);
        }
        int[] all = new int[source.size()];
        int[] real = new int[source.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
            real[i] = byId.get(source.id(i));
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray target = teacher.logits(originals.images(m, real));
            return CorrectionLearner.distillationLoss(teacher, source.images(m, all), target).toFloatArray();
        }
    }
}
