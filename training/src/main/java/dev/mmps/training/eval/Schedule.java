package dev.mmps.training.eval;

import dev.mmps.settings.ValidationException;
import java.util.Locale;

/**
 * How long each student trains ({@code evaluation.student.schedule}). A subset of the training set has fewer
 * images than the full-size sources (the original images and the factor tables, which hold every image), so
 * at equal epochs it takes fewer optimisation steps: at ratio 0.3 a random subset gets 30% of the steps of the
 * MMPS table. Equal steps scales each student's epochs by the training set's size over its source's, so every
 * student takes about as many steps as the original's.
 */
public enum Schedule {
    /** Every student trains for {@code student.epochs} passes over its own source. */
    EQUAL_EPOCHS("equal-epochs"),
    /** Every student trains for about as many steps as {@code student.epochs} passes over the training set. */
    EQUAL_STEPS("equal-steps");

    private final String label;

    Schedule(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /**
     * The epochs of a student whose source holds {@code sourceSize} images, when a full-size source trains for
     * {@code epochs}: the same under equal epochs, {@code round(epochs x trainSize / sourceSize)} (at least 1)
     * under equal steps.
     */
    public int epochs(int epochs, long trainSize, long sourceSize) {
        if (this == EQUAL_EPOCHS || sourceSize >= trainSize) {
            return epochs;
        }
        return (int) Math.max(1, Math.round((double) epochs * trainSize / sourceSize));
    }

    /** @throws ValidationException for a name that is neither, naming it and both */
    public static Schedule parse(String name) {
        for (Schedule s : values()) {
            if (s.label.equals(name.trim().toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new ValidationException("schedule '" + name + "' is unknown: use equal-steps (every student takes about "
                + "as many optimisation steps as one trained on the whole training set) or equal-epochs");
    }
}
