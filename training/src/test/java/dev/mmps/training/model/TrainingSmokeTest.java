package dev.mmps.training.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.mmps.training.TestData;
import dev.mmps.training.data.Augmentation;
import dev.mmps.training.data.FactorSource;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.data.SourceDataset;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on the real sample: a teacher on the originals that learns what it saw and reloads as the same
 * network, two batches of a factor table, and a student that fits a factor table's rebuilt images.
 */
class TrainingSmokeTest {

    /** Logits of a saved and reloaded network against the network in memory: the same floats, same kernels. */
    private static final float RELOAD_TOLERANCE = 1e-5f;

    private static final ClassifierTraining.Settings ONE_EPOCH = new ClassifierTraining.Settings(1, 0.05f, 0.9f, 5e-4f);

    /**
     * Chance on the sample's ten classes is 10%; a teacher that learns from its images scores well above it
     * on the images it saw: eight epochs of four batches scored 79-87% on them (seeds 1 to 5, in inference
     * mode); a pipeline that mixes up labels or images stays near 10%.
     */
    private static final double ABOVE_CHANCE = 0.5;

    @Test
    void aTeacherLearnsTheImagesItSawAndReloadsAsTheSameNetwork(@TempDir Path dir) {
        OriginalSource originals = OriginalReader.read(TestData.cifarSample());
        SourceDataset train = new SourceDataset(originals, new SourceDataset.Options(50, true, Augmentation.NONE, 7));
        SourceDataset seen = new SourceDataset(originals, SourceDataset.Options.inOrder(64));
        try (Classifier teacher = Classifier.create(Classifier.Spec.of(Architecture.CONVNET, originals))) {
            ClassifierTraining.Result result = ClassifierTraining.fit(teacher, train,
                    new ClassifierTraining.Settings(8, 0.05f, 0.9f, 5e-4f), 1, "smoke");
            assertTrue(Double.isFinite(result.loss()) && result.loss() > 0, "loss " + result.loss());
            double accuracy = ClassifierTraining.accuracy(teacher, seen);
            assertTrue(accuracy > ABOVE_CHANCE, "accuracy on the training images " + accuracy);
            teacher.save(dir, new Classifier.Notes("smoke", originals.description(), originals.size(),
                    result.epochs(), accuracy, null));
            try (Classifier loaded = Classifier.load(dir); NDManager m = NDManager.newBaseManager()) {
                assertEquals(teacher.spec(), loaded.spec());
                var images = originals.images(m, new int[] {0, 57, 199});
                assertArrayEquals(teacher.logits(images).toFloatArray(), loaded.logits(images).toFloatArray(),
                        RELOAD_TOLERANCE);
                assertEquals(accuracy, ClassifierTraining.accuracy(loaded, seen));
            }
        }
    }

    @Test
    void trainsTwoBatchesOfAFactorTable() {
        FactorSource table = FactorSource.open(TestData.table("mmps-fp32"));
        SourceDataset train = new SourceDataset(table, new SourceDataset.Options(20, true, Augmentation.NONE, 3));
        try (Classifier student = Classifier.create(Classifier.Spec.of(Architecture.CONVNET, table))) {
            ClassifierTraining.Result result = ClassifierTraining.fit(student, train, ONE_EPOCH, 2, "smoke");
            assertTrue(Double.isFinite(result.loss()) && result.loss() > 0, "loss " + result.loss());
        }
    }

    /** Chance on the table's ten classes is 10%; a student that learns from the rebuilt images fits them. */
    private static final double FITTED_ACCURACY = 0.5;

    @Test
    void aStudentLearnsTheRebuiltImagesAndTheirLabels() {
        FactorSource table = FactorSource.open(TestData.table("mmps-fp32"));
        SourceDataset train = new SourceDataset(table, new SourceDataset.Options(20, true, Augmentation.NONE, 3));
        try (Classifier student = Classifier.create(Classifier.Spec.of(Architecture.CONVNET, table))) {
            ClassifierTraining.Result first = ClassifierTraining.fit(student, train, ONE_EPOCH, 4, "smoke");
            ClassifierTraining.Result fitted = ClassifierTraining.fit(student, train,
                    new ClassifierTraining.Settings(25, 0.05f, 0.9f, 5e-4f), 4, "smoke");
            assertTrue(fitted.loss() < first.loss(), first.loss() + " -> " + fitted.loss());
            assertTrue(fitted.trainAccuracy() > FITTED_ACCURACY, "training accuracy " + fitted.trainAccuracy());
        }
    }
}
