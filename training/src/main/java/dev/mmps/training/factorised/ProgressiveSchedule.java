package dev.mmps.training.factorised;

/**
 * The original layers' share during progressive compression: falling linearly by {@code 1 / steps} a step,
 * to 0 at the last of {@code steps} steps, and 0 from then on.
 *
 * @param steps the optimisation steps over which the originals fade out, at least 1
 */
public record ProgressiveSchedule(long steps) {

    public ProgressiveSchedule {
        if (steps < 1) {
            throw new IllegalArgumentException("a progressive schedule needs at least 1 step, got " + steps);
        }
    }

    /** A schedule over {@code epochs} passes of {@code stepsPerEpoch} steps each. */
    public static ProgressiveSchedule overEpochs(int epochs, long stepsPerEpoch) {
        return new ProgressiveSchedule((long) epochs * stepsPerEpoch);
    }

    /** The originals' share at step {@code step} (zero-based). */
    public double share(long step) {
        return Math.max(0, 1 - (double) (step + 1) / steps);
    }
}
