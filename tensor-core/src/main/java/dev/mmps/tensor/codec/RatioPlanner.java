package dev.mmps.tensor.codec;

import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.tt.BondPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a target compression ratio into bond caps for each stage.
 *
 * <p>The budget is {@code floor(rho * H * W * C)} stored values over all stages. The rule:
 * <ol>
 *   <li>every bond of every stage gets the same cap {@code D}, the largest for which the stages
 *       together fit the budget (the paper truncates all bonds of both stages to one {@code d'});
 *   <li>the remaining budget raises single bonds to {@code D + 1}, stage 1 before stage 2, the
 *       cheapest bond first, until nothing more fits.
 * </ol>
 * Caps depend only on the layout, so every image of a shape gets cores of the same shape (a
 * rank-deficient image may get smaller ones). Parameter counts respect each bond's natural
 * maximum {@code min(r_{k-1} j_k, j_{k+1} .. j_n)} (paper Eq. 2): caps above it cost nothing.
 */
public final class RatioPlanner {

    private RatioPlanner() {}

    /**
     * @throws IllegalArgumentException if even bond dimension 1 everywhere exceeds the budget; the
     *     message gives the smallest ratio the layout reaches
     */
    public static List<BondPolicy> plan(TensorLayout layout, int stages, double ratio) {
        int[] dims = layout.dims();
        long budget = (long) Math.floor(ratio * layout.shape().values() + 1e-9);
        int bonds = dims.length - 1;
        int[] ones = new int[bonds];
        Arrays.fill(ones, 1);
        long minimal = stages * parameters(dims, ones);
        if (minimal > budget) {
            double smallest = (double) minimal / layout.shape().values();
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "compression ratio %s is below what layout %s reaches with %d stage(s): the smallest is %.4f "
                            + "(bond dimension 1 everywhere); use --ratio %.4f or more, or fewer stages",
                    ratio, layout.spec(), stages, smallest, Math.ceil(smallest * 1e4) / 1e4));
        }
        int uniform = largestUniformCap(dims, stages, budget);
        int[][] caps = new int[stages][bonds];
        for (int[] c : caps) {
            Arrays.fill(c, uniform);
        }
        long used = stages * parameters(dims, caps[0]);
        for (int s = 0; s < stages; s++) {
            used = raiseTowards(dims, caps[s], uniform + 1, budget - used) + used;
        }
        List<BondPolicy> policies = new ArrayList<>();
        for (int[] c : caps) {
            policies.add(BondPolicy.perBond(c));
        }
        return List.copyOf(policies);
    }

    /** The ratio that the caps of {@link #plan} give for an image of full rank. */
    public static double plannedRatio(TensorLayout layout, List<BondPolicy> policies) {
        long total = 0;
        for (BondPolicy p : policies) {
            total += parameters(layout.dims(), p.caps());
        }
        return (double) total / layout.shape().values();
    }

    private static int largestUniformCap(int[] dims, int stages, long budget) {
        int maxNatural = 1;
        long left = 1;
        long total = 1;
        for (int d : dims) {
            total *= d;
        }
        for (int k = 0; k < dims.length - 1; k++) {
            left *= dims[k];
            maxNatural = (int) Math.max(maxNatural, Math.min(left, total / left));
        }
        int[] caps = new int[dims.length - 1];
        int best = 1;
        for (int d = 1; d <= maxNatural; d++) {
            Arrays.fill(caps, d);
            if (stages * parameters(dims, caps) > budget) {
                break;
            }
            best = d;
        }
        return best;
    }

    /**
     * Raises single caps of one stage to {@code target}, cheapest first, while the extra cost fits
     * {@code room}. Returns the extra parameters spent.
     */
    private static long raiseTowards(int[] dims, int[] caps, int target, long room) {
        long spent = 0;
        long current = parameters(dims, caps);
        while (true) {
            int bestBond = -1;
            long bestCost = Long.MAX_VALUE;
            for (int k = 0; k < caps.length; k++) {
                if (caps[k] >= target) {
                    continue;
                }
                caps[k]++;
                long cost = parameters(dims, caps) - current;
                caps[k]--;
                if (cost > 0 && cost <= room - spent && cost < bestCost) {
                    bestCost = cost;
                    bestBond = k;
                }
            }
            if (bestBond < 0) {
                return spent;
            }
            caps[bestBond]++;
            current += bestCost;
            spent += bestCost;
        }
    }

    /**
     * Stored values of one MPS of these dimensions under these caps, each bond limited to its
     * natural maximum.
     */
    public static long parameters(int[] dims, int[] caps) {
        int n = dims.length;
        long[] suffix = new long[n + 1];
        suffix[n] = 1;
        for (int k = n - 1; k >= 0; k--) {
            suffix[k] = Math.min(suffix[k + 1] * dims[k], Integer.MAX_VALUE);
        }
        long params = 0;
        long previous = 1;
        for (int k = 0; k < n; k++) {
            long rank = k == n - 1 ? 1 : Math.min(Math.min(caps[k], previous * dims[k]), suffix[k + 1]);
            params += previous * dims[k] * rank;
            previous = rank;
        }
        return params;
    }
}
