package dev.mmps.tensor.codec;

/**
 * Picks one plan among those the {@link RatioPlanner} offers, in the order offered. The planner's
 * rule is {@link PlanChoice}; the seam lets tests hold it to a rendering that keeps every plan.
 */
interface PlanRule {

    /**
     * Offers one plan that fits the budget.
     *
     * @param first index of its stage-1 option
     * @param second index of its stage-2 option, or -1 with one stage
     * @param total stored values of stages 1 and 2
     * @param loss its distance from what the profile wants: expected discarded energy when
     *     calibrated, relative distance from the scaled weights otherwise
     * @param firstParams stored values of stage 1
     */
    void offer(int first, int second, long total, double loss, long firstParams);

    /** The chosen plan as {@code {first, second}}, or null when none was offered. */
    int[] chosen();

    /** Makes the rule for one search. */
    @FunctionalInterface
    interface Factory {

        /**
         * @param budget most stored values a plan may take
         * @param floor fewest stored values a plan on target takes
         * @param calibrated whether the profile holds measured spectra
         * @param leastLoss the least loss among the plans that will be offered
         */
        PlanRule create(long budget, long floor, boolean calibrated, double leastLoss);
    }
}
