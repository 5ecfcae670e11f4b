package dev.mmps.training.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.training.TestData;
import dev.mmps.training.data.Augmentation;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.data.SourceDataset;
import dev.mmps.training.data.SubsetSource;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Checkpoint selection on held-out images: a student trained on half of the sample and scored on the other half
 * after every epoch ends up holding the parameters of its best epoch, which score on the held-out half what the
 * result says. With this seed and a learning rate too high to settle, the best epoch is not the last, so the
 * parameters are really put back.
 */
class CheckpointSelectionTest {

    private static final int EPOCHS = 6;
    private static final int SEED = 1;

    @Test
    void theStudentKeepsItsBestEpochOnTheHeldOutImages() {
        OriginalSource sample = OriginalReader.read(TestData.cifarSample());
        SubsetSource train = new SubsetSource(sample, IntStream.range(0, sample.size()).filter(i -> i % 2 == 0).toArray(),
                "even images");
        SubsetSource held = new SubsetSource(sample, IntStream.range(0, sample.size()).filter(i -> i % 2 == 1).toArray(),
                "odd images");
        SourceDataset heldOut = new SourceDataset(held, SourceDataset.Options.inOrder(64));
        try (Classifier student = Classifier.create(Classifier.Spec.of(Architecture.CONVNET, sample))) {
            ClassifierTraining.Result result = ClassifierTraining.fit(student,
                    new SourceDataset(train, new SourceDataset.Options(25, true, Augmentation.NONE, SEED)),
                    new ClassifierTraining.Settings(EPOCHS, 0.2f, 0.9f, 5e-4f), SEED, "checkpoint", heldOut);
            assertTrue(result.keptEpoch() >= 1 && result.keptEpoch() < EPOCHS, "kept epoch " + result.keptEpoch());
            assertEquals(result.validationAccuracy(), ClassifierTraining.accuracy(student, heldOut),
                    "the parameters held after training are the kept epoch's");
        }
    }
}
