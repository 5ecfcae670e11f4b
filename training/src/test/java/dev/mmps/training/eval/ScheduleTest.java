package dev.mmps.training.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.settings.ValidationException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScheduleTest {

    @Test
    void equalStepsGivesASubsetAboutTheImagesSeenOfTheFullSource() {
        for (long train : new long[] {3_000, 10_000, 50_000}) {
            for (double ratio : new double[] {0.1, 0.3, 0.5, 0.7}) {
                long subset = Math.round(ratio * train);
                for (int epochs : new int[] {1, 5, 10}) {
                    int scaled = Schedule.EQUAL_STEPS.epochs(epochs, train, subset);
                    // Rounding to whole epochs: within half a pass over the subset of the full source's images.
                    assertTrue(Math.abs((double) scaled * subset - (double) epochs * train) <= subset / 2.0,
                            epochs + " epochs of " + train + " against " + scaled + " of " + subset);
                    assertEquals(epochs, Schedule.EQUAL_EPOCHS.epochs(epochs, train, subset));
                }
            }
        }
        assertEquals(10, Schedule.EQUAL_STEPS.epochs(10, 3_000, 3_000), "a full-size source keeps its epochs");
        assertEquals(33, Schedule.EQUAL_STEPS.epochs(10, 10_000, 3_000));
    }

    @Test
    void anUnknownScheduleIsRefusedNamingTheKeyAndTheChoices() {
        ValidationException e = assertThrows(ValidationException.class,
                () -> EvaluationConfig.load(null, Map.of("student.schedule", "equal-time")));
        assertTrue(e.getMessage().contains("evaluation.student.schedule") && e.getMessage().contains("'equal-time'")
                && e.getMessage().contains("equal-steps"), e.getMessage());
        assertEquals(Schedule.EQUAL_STEPS, EvaluationConfig.load(null, Map.of()).schedule(), "the default");
    }
}
