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
 *   <li>around it, try every cap vector with each bond within a few steps of {@code D}, and pick
 *       the combination for stages 1 and 2 that uses the most of the budget (further stages keep
 *       {@code D}); on a tie, the one that gives stage 1 more, then the one closest to uniform.
 * </ol>
 * The search makes the planned ratio land within a fraction of a percent below the target for
 * images of a few thousand values or more (smaller ones have coarser steps). Caps depend only on
 * the layout, so all images of a shape get cores of the same shape; a rank-deficient image can
 * get smaller ones. Parameter counts respect each bond's natural maximum
 * {@code min(r_{k-1} j_k, j_{k+1} .. j_n)} (paper Eq. 2).
 */
public final class RatioPlanner {

    /** Upper bound on cap vectors tried per stage. */
    private static final int MAX_CANDIDATES = 6000;

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
        List<Candidate> candidates = candidates(dims, uniform);
        int[][] caps = new int[stages][];
        for (int s = 0; s < stages; s++) {
            caps[s] = ranks(dims, filled(bonds, uniform));
        }
        long fixed = (stages - 2L) * parameters(dims, caps[0]);
        if (stages == 1) {
            caps[0] = bestSingle(candidates, budget).caps;
        } else {
            Candidate[] pair = bestPair(candidates, budget - fixed);
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

    private static List<Candidate> candidates(int[] dims, int uniform) {
        int bonds = dims.length - 1;
        int[] natural = ranks(dims, filled(bonds, Integer.MAX_VALUE));
        int width = Math.max(2, (int) Math.floor(Math.pow(MAX_CANDIDATES, 1.0 / bonds)));
        int below = (width - 1) / 2;
        int[] lo = new int[bonds];
        int[] hi = new int[bonds];
        for (int k = 0; k < bonds; k++) {
            lo[k] = Math.max(1, Math.min(uniform, natural[k]) - below);
            hi[k] = Math.min(natural[k], lo[k] + width - 1);
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

    private static Candidate bestSingle(List<Candidate> sorted, long budget) {
        Candidate best = null;
        for (Candidate c : sorted) {
            if (c.params > budget) {
                break;
            }
            if (best == null || c.params > best.params) {
                best = c;
            }
        }
        return best;
    }

    /** Meet in the middle: for each stage-1 option, the best-fitting stage-2 option. */
    private static Candidate[] bestPair(List<Candidate> sorted, long budget) {
        long[] params = sorted.stream().mapToLong(Candidate::params).toArray();
        Candidate[] best = null;
        long bestTotal = -1;
        for (Candidate first : sorted) {
            long room = budget - first.params;
            if (room < params[0]) {
                break;
            }
            int index = upperBound(params, room) - 1;
            // Among equal costs the list is ordered by spread: step back to the first of the run.
            while (index > 0 && params[index - 1] == params[index]) {
                index--;
            }
            Candidate second = sorted.get(index);
            if (second.params > first.params) {
                continue; // the mirrored pair, with stage 1 the larger, is also considered
            }
            long total = first.params + second.params;
            if (total > bestTotal || (total == bestTotal && better(first, second, best))) {
                best = new Candidate[] {first, second};
                bestTotal = total;
            }
        }
        if (best == null) {
            Candidate smallest = sorted.get(0);
            best = new Candidate[] {smallest, smallest};
        }
        return best;
    }

    private static boolean better(Candidate first, Candidate second, Candidate[] incumbent) {
        if (first.params != incumbent[0].params) {
            return first.params > incumbent[0].params;
        }
        return first.spread + second.spread < incumbent[0].spread + incumbent[1].spread;
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
