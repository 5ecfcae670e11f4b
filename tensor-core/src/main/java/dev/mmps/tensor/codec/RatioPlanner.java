package dev.mmps.tensor.codec;

import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.tt.BondPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Turns a target compression ratio into bond caps for each stage.
 *
 * <p>The budget is {@code floor(rho * H * W * C)} stored values over all stages. A
 * {@link RankProfile} gives the relative bond dimensions per stage and bond; the rule:
 * <ol>
 *   <li>scale the profile by the largest factor {@code t} whose rounded caps fit the budget
 *       (with the uniform profile this is the paper's single {@code d'} for every bond);
 *   <li>around those caps, try every cap vector with each bond within 30% (and at least one step)
 *       of its scaled target (bonds whose natural maximum the target reaches stay whole) for
 *       stages 1 and 2 (further stages keep the scaled caps), and take the best combination that
 *       fits the budget. "On target" means within 1% below the budget, or the nearest count
 *       the layout can reach below it (every count is a multiple of the common divisor of the
 *       physical dimensions). For a calibrated profile the rule takes the on-target plan of least
 *       expected discarded energy if that energy is within 25% of the least over all plans;
 *       otherwise the least-loss plan, or among plans within 2% of its loss the one that uses
 *       the most of the budget. With two stages the on-target plan nearly always qualifies; with
 *       one stage the coarse steps often put every on-target plan far from the profile, and
 *       forcing it costs 4-6 dB on CIFAR-10 (BENCHMARKS.md), so the ratio lands up to ~10% below.
 *       For the uniform profile it is, among the on-target plans, the one closest to uniform,
 *       else the fullest; when none is on target, the search widens to 60% and then 120% of each
 *       target before settling for the fullest. Whole bonds stay whole even then: cutting a bond
 *       that carries everything its neighbours allow (a small first bond, the colour bond) to
 *       save a few values costs many dB.
 * </ol>
 * Caps depend only on the layout and the profile, so all images of a shape get cores of the same
 * shape; a rank-deficient image can get smaller ones. Parameter counts respect each bond's
 * natural maximum {@code min(r_{k-1} j_k, j_{k+1} .. j_n)} (paper Eq. 2).
 */
public final class RatioPlanner {

    /** How far a bond may move from its scaled target, as a fraction of it (at least one step). */
    private static final double REACH = 0.3;
    /** Upper bound on cap vectors enumerated per stage. */
    private static final int MAX_CANDIDATES = 10_000;
    /** How far below the budget a plan may land: the 1% the ratio promise allows. */
    private static final double SLACK = 0.01;

    private RatioPlanner() {}

    /** Plans with the uniform profile: the paper's rule. */
    public static List<BondPolicy> plan(TensorLayout layout, int stages, double ratio) {
        return plan(layout, stages, ratio, RankProfile.uniform(layout, stages));
    }

    /**
     * @throws IllegalArgumentException if even bond dimension 1 everywhere exceeds the budget (the
     *     message gives the smallest ratio the layout reaches), or the profile is for another
     *     layout or stage count
     */
    public static List<BondPolicy> plan(TensorLayout layout, int stages, double ratio, RankProfile profile) {
        return plan(layout, stages, ratio, profile, PlanChoice::new);
    }

    /** The plan with another rendering of the choice among plans (tests compare two). */
    static List<BondPolicy> plan(TensorLayout layout, int stages, double ratio, RankProfile profile,
            PlanRule.Factory rules) {
        if (!profile.fits(layout, stages)) {
            throw new IllegalArgumentException("rank profile for " + profile.layoutSpec() + " with "
                    + profile.stages() + " stage(s) cannot plan layout " + layout.spec() + " with " + stages
                    + " stage(s); calibrate it for this layout");
        }
        int[] dims = layout.dims();
        int values = layout.shape().values();
        long budget = (long) Math.floor(ratio * values + 1e-9);
        int bonds = dims.length - 1;
        long minimal = stages * parameters(dims, filled(bonds, 1));
        if (minimal > budget) {
            double smallest = (double) minimal / values;
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "compression ratio %s is below what layout %s reaches with %d stage(s): the smallest is %.4f "
                            + "(bond dimension 1 everywhere); use --ratio %.4f or more, or fewer stages",
                    ratio, layout.spec(), stages, smallest, Math.ceil(smallest * 1e4) / 1e4));
        }
        double[][] weights = profile.weights();
        double scale = largestScale(dims, weights, budget);
        double[][] targets = new double[stages][bonds];
        int[][] caps = new int[stages][];
        for (int s = 0; s < stages; s++) {
            for (int k = 0; k < bonds; k++) {
                targets[s][k] = scale * weights[s][k];
            }
            caps[s] = rounded(dims, targets[s]);
        }
        long fixed = 0;
        for (int s = 2; s < stages; s++) {
            fixed += parameters(dims, caps[s]);
        }
        long step = step(dims);
        // The uniform rule widens its search until a plan lands within the slack; a calibrated
        // profile keeps the nearest plans, which it prefers for quality (see PlanChoice).
        double[] reaches = profile.calibrated() ? new double[] {REACH} : new double[] {REACH, 2 * REACH, 4 * REACH};
        for (double reach : reaches) {
            if (stages == 1) {
                caps[0] = bestSingle(candidates(dims, targets[0], profile, 0, reach), budget, step,
                        profile.calibrated(), rules).caps;
            } else {
                Candidate[] pair = bestPair(candidates(dims, targets[0], profile, 0, reach),
                        candidates(dims, targets[1], profile, 1, reach), budget - fixed, step, profile.calibrated(),
                        rules);
                caps[0] = pair[0].caps;
                caps[1] = pair[1].caps;
            }
            long planned = 0;
            for (int[] c : caps) {
                planned += parameters(dims, c);
            }
            if (planned >= floor(budget, step)) {
                break;
            }
        }
        List<BondPolicy> policies = new ArrayList<>();
        for (int[] c : caps) {
            policies.add(BondPolicy.perBond(c));
        }
        return List.copyOf(policies);
    }

    /**
     * Every parameter count is a multiple of the greatest common divisor of the physical
     * dimensions (each core holds {@code r_{k-1} j_k r_k} values), so no plan lands between two
     * multiples of it.
     */
    static long step(int[] dims) {
        long g = 0;
        for (int d : dims) {
            long a = d;
            while (a != 0) {
                long t = g % a;
                g = a;
                a = t;
            }
        }
        return Math.max(1, g);
    }

    /** The smallest count that counts as on target: within the slack, or the nearest reachable below. */
    static long floor(long budget, long step) {
        return Math.min((long) Math.ceil(budget * (1 - SLACK)), budget - budget % step);
    }

    /** The ratio that the caps of {@link #plan} give an image of full rank. */
    public static double plannedRatio(TensorLayout layout, List<BondPolicy> policies) {
        long total = 0;
        for (BondPolicy p : policies) {
            total += parameters(layout.dims(), p.caps());
        }
        return (double) total / layout.shape().values();
    }

    /**
     * Stored values of one MPS of these dimensions under these caps, each bond limited to its
     * natural maximum.
     */
    public static long parameters(int[] dims, int[] caps) {
        int[] r = ranks(dims, caps);
        long params = 0;
        long previous = 1;
        for (int k = 0; k < dims.length; k++) {
            long next = k == dims.length - 1 ? 1 : r[k];
            params += previous * dims[k] * next;
            previous = next;
        }
        return params;
    }

    /**
     * The bond dimensions a full-rank tensor gets under these caps: each bond is bounded by its
     * cap and by what its neighbours can carry on either side, {@code r_{k-1} j_k} and
     * {@code j_{k+1} r_{k+1}} (the TT-SVD peels from both ends, so both bounds bind).
     */
    static int[] ranks(int[] dims, int[] caps) {
        int n = dims.length;
        int[] r = new int[n - 1];
        long previous = 1;
        for (int k = 0; k < n - 1; k++) {
            r[k] = (int) Math.min(caps[k], previous * dims[k]);
            previous = r[k];
        }
        long next = 1;
        for (int k = n - 2; k >= 0; k--) {
            r[k] = (int) Math.min(r[k], next * dims[k + 1]);
            next = r[k];
        }
        return r;
    }

    /** The largest factor whose rounded, scaled profile fits the budget (bisection; monotone). */
    private static double largestScale(int[] dims, double[][] weights, long budget) {
        double lo = 0;
        double hi = 1;
        while (fits(dims, weights, hi, budget) && hi < 1e7) {
            lo = hi;
            hi *= 2;
        }
        for (int i = 0; i < 60; i++) {
            double mid = 0.5 * (lo + hi);
            if (fits(dims, weights, mid, budget)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static boolean fits(int[] dims, double[][] weights, double scale, long budget) {
        long total = 0;
        for (double[] w : weights) {
            double[] target = new double[w.length];
            for (int k = 0; k < w.length; k++) {
                target[k] = scale * w[k];
            }
            total += parameters(dims, rounded(dims, target));
        }
        return total <= budget;
    }

    /** Caps nearest the targets, at least 1, within the natural maxima. */
    private static int[] rounded(int[] dims, double[] targets) {
        int[] caps = new int[targets.length];
        for (int k = 0; k < caps.length; k++) {
            caps[k] = (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.round(targets[k])));
        }
        return ranks(dims, caps);
    }

    /**
     * One stage's option: effective ranks, their cost, and how far they are from what the profile
     * wants (expected discarded energy when calibrated, relative distance from the scaled weights
     * otherwise).
     */
    private record Candidate(int[] caps, long params, double distance) {}

    private static List<Candidate> candidates(int[] dims, double[] targets, RankProfile profile, int stage,
            double initialReach) {
        int bonds = dims.length - 1;
        int[] natural = ranks(dims, filled(bonds, Integer.MAX_VALUE));
        int[] lo = new int[bonds];
        int[] hi = new int[bonds];
        // Long chains and large bonds get a narrower box so the enumeration stays small.
        for (double reach = initialReach; ; reach *= 0.8) {
            long count = 1;
            for (int k = 0; k < bonds; k++) {
                // A bond whose target reaches its natural maximum stays whole (the colour bond,
                // for one); the others move within the reach around their target.
                double t = Math.min(targets[k], natural[k]);
                int centre = (int) Math.max(1, Math.round(t));
                boolean whole = natural[k] <= targets[k];
                lo[k] = whole ? natural[k] : (int) Math.max(1, Math.min(centre - 1, Math.round(t * (1 - reach))));
                hi[k] = (int) Math.min(natural[k], Math.max(centre + 1, Math.round(t * (1 + reach))));
                count *= hi[k] - lo[k] + 1;
            }
            if (count <= MAX_CANDIDATES || reach < 0.01) {
                break;
            }
        }
        List<Candidate> list = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        int[] caps = lo.clone();
        while (true) {
            int[] r = ranks(dims, caps);
            if (seen.add(Arrays.toString(r))) {
                double distance = 0;
                if (profile.calibrated()) {
                    distance = profile.expectedLoss(stage, r);
                } else {
                    for (int k = 0; k < bonds; k++) {
                        double t = Math.max(1, Math.min(targets[k], natural[k]));
                        double d = (r[k] - t) / t;
                        distance += d * d;
                    }
                }
                list.add(new Candidate(r, parameters(dims, r), distance));
            }
            int k = 0;
            while (k < bonds && caps[k] == hi[k]) {
                caps[k] = lo[k];
                k++;
            }
            if (k == bonds) {
                break;
            }
            caps[k]++;
        }
        list.sort(Comparator.comparingLong(Candidate::params).thenComparingDouble(Candidate::distance));
        return list;
    }

    /** The best single-stage option: see {@link PlanChoice}. */
    private static Candidate bestSingle(List<Candidate> sorted, long budget, long step, boolean calibrated,
            PlanRule.Factory rules) {
        double least = Double.MAX_VALUE;
        for (Candidate c : sorted) {
            if (c.params > budget) {
                break;
            }
            least = Math.min(least, c.distance);
        }
        PlanRule choice = rules.create(budget, floor(budget, step), calibrated, least);
        for (int i = 0; i < sorted.size(); i++) {
            Candidate c = sorted.get(i);
            if (c.params > budget) {
                break;
            }
            choice.offer(i, -1, c.params, c.distance, c.params);
        }
        return sorted.get(choice.chosen()[0]);
    }

    /**
     * The best pair of options for stages 1 and 2: see {@link PlanChoice}. Pairs are offered stage-1
     * option by option, in increasing size, each with the stage-2 options that fit beside it, the
     * largest first.
     */
    private static Candidate[] bestPair(List<Candidate> firsts, List<Candidate> seconds, long budget, long step,
            boolean calibrated, PlanRule.Factory rules) {
        long[] params = seconds.stream().mapToLong(Candidate::params).toArray();
        PlanRule choice = rules.create(budget, floor(budget, step), calibrated,
                leastPairLoss(firsts, seconds, params, budget));
        for (int i = 0; i < firsts.size(); i++) {
            Candidate first = firsts.get(i);
            long room = budget - first.params;
            if (room < params[0]) {
                break;
            }
            for (int j = upperBound(params, room) - 1; j >= 0; j--) {
                Candidate second = seconds.get(j);
                choice.offer(i, j, first.params + second.params, first.distance + second.distance, first.params);
            }
        }
        int[] best = choice.chosen();
        return best != null ? new Candidate[] {firsts.get(best[0]), seconds.get(best[1])}
                : new Candidate[] {firsts.get(0), seconds.get(0)};
    }

    /**
     * The least loss of the pairs {@link #bestPair} offers, without forming them: for each stage-1
     * option, the least stage-2 loss among the options that fit beside it is a running minimum over
     * stage-2 options in increasing size. Rounding is monotone, so this is exactly the least of the
     * pairs' sums.
     */
    private static double leastPairLoss(List<Candidate> firsts, List<Candidate> seconds, long[] params, long budget) {
        double[] leastUpTo = new double[seconds.size()];
        double running = Double.MAX_VALUE;
        for (int j = 0; j < leastUpTo.length; j++) {
            running = Math.min(running, seconds.get(j).distance);
            leastUpTo[j] = running;
        }
        double least = Double.MAX_VALUE;
        for (Candidate first : firsts) {
            long room = budget - first.params;
            if (room < params[0]) {
                break;
            }
            least = Math.min(least, first.distance + leastUpTo[upperBound(params, room) - 1]);
        }
        return least;
    }

    private static int upperBound(long[] sorted, long key) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static int[] filled(int length, int value) {
        int[] a = new int[length];
        Arrays.fill(a, value);
        return a;
    }
}
