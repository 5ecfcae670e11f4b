package dev.mmps.tensor.codec;

/**
 * The ratio planner's choice among plans that fit the budget, made as the plans are offered and
 * keeping only the incumbents the rule compares, so memory does not grow with the number of plans
 * (millions for row layouts of 224x224 photographs).
 *
 * <p>Calibrated: the on-target plan of least expected loss when that loss is within
 * {@link #SLACK_LOSS_TOLERANCE} of the least; else, among plans within {@link #LOSS_TOLERANCE} of
 * the least expected loss, the one using the most of the budget, so no plan is taken that stores
 * more for a worse image. Uniform: among on-target plans the one closest to uniform, else the
 * fullest; on a tie, the one giving stage 1 more. Every other tie goes to the plan offered first.
 *
 * <p>Which plans are within the tolerance depends on the least loss of all of them, so the planner
 * computes that first ({@link PlanRule.Factory#create}): in one pass over each stage's options, as
 * a running minimum, without forming the pairs. A choice that learned the least loss only as plans
 * arrived would need every plan that might come back within the tolerance when it shrinks.
 */
final class PlanChoice implements PlanRule {

    /** Expected loss a calibrated plan may give up to use more of the budget (2%: 0.09 dB). */
    static final double LOSS_TOLERANCE = 0.02;
    /** How much more expected loss a calibrated plan may have to land within the slack. */
    static final double SLACK_LOSS_TOLERANCE = 0.25;
    /** Absolute slack on loss comparisons, for losses that are zero. */
    static final double LOSS_EPSILON = 1e-15;

    private final long budget;
    private final long floor;
    private final boolean calibrated;
    private final double acceptable;
    /** Uniform: the preferred plan so far. Calibrated: the fullest plan within the tolerance. */
    private final Incumbent best = new Incumbent();
    /** Calibrated: the on-target plan of least loss so far. */
    private final Incumbent inside = new Incumbent();

    PlanChoice(long budget, long floor, boolean calibrated, double leastLoss) {
        this.budget = budget;
        this.floor = floor;
        this.calibrated = calibrated;
        this.acceptable = leastLoss * (1 + LOSS_TOLERANCE) + LOSS_EPSILON;
    }

    @Override
    public void offer(int first, int second, long total, double loss, long firstParams) {
        boolean onTarget = total >= floor && total <= budget;
        if (!calibrated) {
            if (best.empty() || preferable(onTarget, total, loss, firstParams)) {
                best.set(first, second, total, loss, firstParams);
            }
            return;
        }
        if (onTarget && (inside.empty() || loss < inside.loss)) {
            inside.set(first, second, total, loss, firstParams);
        }
        if (loss <= acceptable && (best.empty() || total > best.total || (total == best.total && loss < best.loss))) {
            best.set(first, second, total, loss, firstParams);
        }
    }

    @Override
    public int[] chosen() {
        if (best.empty()) {
            return null;
        }
        if (calibrated && !inside.empty() && inside.loss <= best.loss * (1 + SLACK_LOSS_TOLERANCE) + LOSS_EPSILON) {
            return inside.indices();
        }
        return best.indices();
    }

    /** The uniform rule's order: on target, then closer to uniform, then fuller, then more in stage 1. */
    private boolean preferable(boolean onTarget, long total, double loss, long firstParams) {
        boolean incumbentOnTarget = best.total >= floor && best.total <= budget;
        if (onTarget != incumbentOnTarget) {
            return onTarget;
        }
        if (onTarget && loss != best.loss) {
            return loss < best.loss;
        }
        if (total != best.total) {
            return total > best.total;
        }
        if (loss != best.loss) {
            return loss < best.loss;
        }
        return firstParams > best.firstParams;
    }

    /** One kept plan: its option indices and the figures the rule compares. */
    private static final class Incumbent {
        private int first = -2;
        private int second;
        private long total;
        private double loss;
        private long firstParams;

        boolean empty() {
            return first == -2;
        }

        void set(int first, int second, long total, double loss, long firstParams) {
            this.first = first;
            this.second = second;
            this.total = total;
            this.loss = loss;
            this.firstParams = firstParams;
        }

        int[] indices() {
            return new int[] {first, second};
        }
    }
}
