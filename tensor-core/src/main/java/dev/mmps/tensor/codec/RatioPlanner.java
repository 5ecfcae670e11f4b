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
 * <p>The budget is {@code floor(rho * H * W * C)} stored values over all stages. The rule:
 * <ol>
 *   <li>find {@code D}, the largest bond cap that, applied to every bond of every stage, fits the
 *       budget (the paper truncates all bonds of both stages to one {@code d'});
 *   <li>around it, try every cap vector with each bond between {@code D - 2} and {@code D + 3}
 *       (bonds whose natural maximum is at most {@code D} stay whole) for stages 1 and 2 (further
 *       stages keep {@code D}), and among the combinations that land within 1% below the budget
 *       take the one closest to uniform (least sum of squared distances from {@code D}); if none
 *       lands there, take the one that uses the most of the budget. Stage 1 gets the larger
 *       share. A single stage has coarser steps, so its box widens (up to {@code D - 4 .. D + 7})
 *       until some plan lands within the 1%.
 * </ol>
 * The search makes the planned ratio land within a fraction of a percent below the target for
 * images of a few thousand values or more (smaller ones have coarser steps). Caps depend only on
 * the layout, so all images of a shape get cores of the same shape; a rank-deficient image can
 * get smaller ones. Parameter counts respect each bond's natural maximum
 * {@code min(r_{k-1} j_k, j_{k+1} .. j_n)} (paper Eq. 2).
 */
public final class RatioPlanner {

    /** How far a single bond may move from the uniform cap, down and up. */
    private static final int BELOW = 2;
    private static final int ABOVE = 3;
    /** Extra widening steps for single-stage plans. */
    private static final int SINGLE_STAGE_WIDENING = 2;
    /** Upper bound on cap vectors enumerated per stage. */
    private static final int MAX_CANDIDATES = 10_000;
    /** How far below the budget a plan may land: the 1% the ratio promise allows. */
    private static final double SLACK = 0.01;

    private RatioPlanner() {}

    /**
     * @throws IllegalArgumentException if even bond dimension 1 everywhere exceeds the budget; the
     *     message gives the smallest ratio the layout reaches
     */
    public static List<BondPolicy> plan(TensorLayout layout, int stages, double ratio) {
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
        int uniform = largestUniformCap(dims, stages, budget);
        int[][] caps = new int[stages][];
        for (int s = 0; s < stages; s++) {
            caps[s] = ranks(dims, filled(bonds, uniform));
        }
        if (stages == 1) {
            // One stage has the coarsest steps: widen the box until a plan lands in the slack.
            Candidate best = null;
            for (int widen = 0; widen <= SINGLE_STAGE_WIDENING; widen++) {
                best = bestSingle(candidates(dims, uniform, BELOW + widen, ABOVE + 2 * widen), budget);
                if (best.params >= slackFloor(budget)) {
                    break;
                }
            }
            caps[0] = best.caps;
        } else {
            long fixed = (stages - 2L) * parameters(dims, caps[0]);
            Candidate[] pair = bestPair(candidates(dims, uniform, BELOW, ABOVE), budget - fixed);
            caps[0] = pair[0].caps;
            caps[1] = pair[1].caps;
        }
        List<BondPolicy> policies = new ArrayList<>();
        for (int[] c : caps) {
            policies.add(BondPolicy.perBond(c));
        }
        return List.copyOf(policies);
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

    /** The bond dimensions a full-rank tensor gets under these caps. */
    static int[] ranks(int[] dims, int[] caps) {
        int n = dims.length;
        long[] suffix = new long[n + 1];
        suffix[n] = 1;
        for (int k = n - 1; k >= 0; k--) {
            suffix[k] = Math.min(suffix[k + 1] * dims[k], Integer.MAX_VALUE);
        }
        int[] r = new int[n - 1];
        long previous = 1;
        for (int k = 0; k < n - 1; k++) {
            r[k] = (int) Math.min(Math.min(caps[k], previous * dims[k]), suffix[k + 1]);
            previous = r[k];
        }
        return r;
    }

    private static int largestUniformCap(int[] dims, int stages, long budget) {
        int[] natural = ranks(dims, filled(dims.length - 1, Integer.MAX_VALUE));
        int maxNatural = Arrays.stream(natural).max().orElse(1);
        int best = 1;
        for (int d = 1; d <= maxNatural; d++) {
            if (stages * parameters(dims, filled(dims.length - 1, d)) > budget) {
                break;
            }
            best = d;
        }
        return best;
    }

    /** One stage's option: effective ranks, their cost and their distance from uniform. */
    private record Candidate(int[] caps, long params, long spread) {}

    private static List<Candidate> candidates(int[] dims, int uniform, int below, int above) {
        int bonds = dims.length - 1;
        // Long chains get a narrower box so the enumeration stays small.
        while (below + above > 1 && Math.pow(below + above + 1, bonds) > MAX_CANDIDATES) {
            if (above > below) {
                above--;
            } else {
                below--;
            }
        }
        int[] natural = ranks(dims, filled(bonds, Integer.MAX_VALUE));
        int[] lo = new int[bonds];
        int[] hi = new int[bonds];
        for (int k = 0; k < bonds; k++) {
            // Bonds whose natural maximum is within reach stay whole (the colour bond, for one);
            // the others move a little below and above the uniform cap.
            lo[k] = natural[k] <= uniform ? natural[k] : Math.max(1, uniform - below);
            hi[k] = Math.min(natural[k], uniform + above);
        }
        List<Candidate> list = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        int[] caps = lo.clone();
        while (true) {
            int[] r = ranks(dims, caps);
            if (seen.add(Arrays.toString(r))) {
                long spread = 0;
                for (int k = 0; k < bonds; k++) {
                    long d = r[k] - Math.min(uniform, natural[k]);
                    spread += d * d;
                }
                list.add(new Candidate(r, parameters(dims, r), spread));
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
        list.sort(Comparator.comparingLong(Candidate::params).thenComparingLong(Candidate::spread));
        return list;
    }

    /** The most uniform option within the slack below the budget, else the fullest one. */
    private static Candidate bestSingle(List<Candidate> sorted, long budget) {
        long floor = slackFloor(budget);
        Candidate best = null;
        for (Candidate c : sorted) {
            if (c.params > budget) {
                break;
            }
            if (best == null || preferable(c.params, c.spread, best.params, best.spread, floor)) {
                best = c;
            }
        }
        return best;
    }

    /**
     * For stages 1 and 2: the pair of options with the least combined spread whose total lands in
     * the slack below the budget, else the fullest pair. Stage 1 gets the larger option.
     */
    private static Candidate[] bestPair(List<Candidate> sorted, long budget) {
        long floor = slackFloor(budget);
        long[] params = sorted.stream().mapToLong(Candidate::params).toArray();
        Candidate[] best = null;
        long bestTotal = -1;
        long bestSpread = Long.MAX_VALUE;
        for (int i = 0; i < sorted.size(); i++) {
            Candidate first = sorted.get(i);
            long room = budget - first.params;
            if (room < params[0]) {
                break;
            }
            int top = Math.min(i, upperBound(params, room) - 1);
            // The fullest partner, and the most uniform partners that keep the total in the slack.
            for (int j = top; j >= 0; j--) {
                Candidate second = sorted.get(j);
                long total = first.params + second.params;
                long spread = first.spread + second.spread;
                if (best == null || preferable(total, spread, bestTotal, bestSpread, floor)) {
                    best = new Candidate[] {first, second};
                    bestTotal = total;
                    bestSpread = spread;
                }
                if (total < floor) {
                    break;
                }
            }
        }
        return best;
    }

    private static long slackFloor(long budget) {
        return (long) Math.ceil(budget * (1 - SLACK));
    }

    /** Inside the slack, less spread wins (then more values); outside it, more values win. */
    private static boolean preferable(long total, long spread, long incumbentTotal, long incumbentSpread,
            long floor) {
        boolean inside = total >= floor;
        boolean incumbentInside = incumbentTotal >= floor;
        if (inside != incumbentInside) {
            return inside;
        }
        if (inside) {
            return spread != incumbentSpread ? spread < incumbentSpread : total > incumbentTotal;
        }
        return total != incumbentTotal ? total > incumbentTotal : spread < incumbentSpread;
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
