package dev.mmps.tensor.tt;

import dev.mmps.tensor.linalg.LowRank;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.RankSelector;

/**
 * Sequential truncated SVDs of a tensor into a matrix product state: Algorithm 1 of the MMPS
 * paper, the TT-SVD of Oseledets (2011).
 *
 * <p>Step {@code k} unfolds the carried remainder into a {@code (r_{k-1} j_k) x (j_{k+1} .. j_n)}
 * matrix, factors it as {@code U W} with orthonormal {@code U} truncated by the {@link BondPolicy},
 * stores {@code U} as core {@code k} and carries {@code W} on. The last core is the final
 * remainder. Cores are left-orthonormal, so the errors of the steps are orthogonal and the total
 * squared error is the sum of the discarded squared singular values.
 *
 * <p>Singular values below {@link #NEGLIGIBLE} times {@code ||A||_F} are never kept: they are
 * rounding noise, and dropping them keeps exact decompositions of low-rank images small.
 *
 * <p>Not thread-safe: holds the factoriser's scratch.
 */
public final class TtSvd {

    /** Relative size below which a singular value counts as zero. */
    public static final double NEGLIGIBLE = 1e-7;

    private final LowRankFactorizer factorizer;
    private final LowRank step = new LowRank();
    private double[] carry = new double[0];

    public TtSvd(LowRankFactorizer factorizer) {
        if (factorizer == null) {
            throw new IllegalArgumentException("TT-SVD needs a factoriser; use LowRankFactorizers.create(\"auto\")");
        }
        this.factorizer = factorizer;
    }

    public LowRankFactorizer factorizer() {
        return factorizer;
    }

    /**
     * Decomposes {@code tensor} (row-major over {@code dims}) into an MPS.
     *
     * @param tensor {@code prod dims} values; not modified
     */
    public Decomposition decompose(double[] tensor, int[] dims, BondPolicy policy) {
        int n = checkedCores(dims);
        if (policy == null) {
            throw new IllegalArgumentException("bond policy is null; pass BondPolicy.EXACT for no truncation");
        }
        policy.requireBonds(n - 1);
        long size = 1;
        for (int d : dims) {
            size *= d;
        }
        if (tensor == null || tensor.length < size) {
            throw new IllegalArgumentException("tensor holds " + (tensor == null ? "nothing" : tensor.length + " values")
                    + " but dimensions " + java.util.Arrays.toString(dims) + " need " + size);
        }
        int total = (int) size;
        if (carry.length < total) {
            carry = new double[total];
        }
        System.arraycopy(tensor, 0, carry, 0, total);
        double energy = 0;
        for (int i = 0; i < total; i++) {
            energy += tensor[i] * tensor[i];
        }
        double negligibleEnergy = NEGLIGIBLE * NEGLIGIBLE * energy;
        double deltaSquared = policy.hasErrorTarget()
                ? policy.epsilon() * policy.epsilon() / (n - 1) * energy
                : 0;

        int[] ranks = new int[n + 1];
        ranks[0] = 1;
        ranks[n] = 1;
        float[][] cores = new float[n][];
        double[] discarded = new double[n - 1];
        double[][] spectra = new double[n - 1][];
        int cols = total;
        for (int k = 0; k < n - 1; k++) {
            int rows = ranks[k] * dims[k];
            cols /= dims[k];
            int cap = policy.cap(k);
            RankSelector selector = (sigmaSquared, count, all) ->
                    selectRank(sigmaSquared, count, cap, deltaSquared, negligibleEnergy);
            factorizer.factor(carry, rows, cols, selector, step);
            int r = step.rank();
            ranks[k + 1] = r;
            cores[k] = toFloat(step.u(), rows * r);
            discarded[k] = Math.sqrt(step.discardedEnergy());
            spectra[k] = java.util.Arrays.copyOf(step.sigmaSquared(), step.spectrumLength());
            System.arraycopy(step.w(), 0, carry, 0, r * cols);
        }
        cores[n - 1] = toFloat(carry, ranks[n - 1] * dims[n - 1]);
        return new Decomposition(Mps.adopt(dims.clone(), ranks, cores), discarded, Math.sqrt(energy), spectra);
    }

    /**
     * The kept rank: at most the cap, no more than the numerically non-zero singular values, and,
     * with an error target, the fewest whose discarded tail stays within {@code delta^2}.
     */
    static int selectRank(double[] sigmaSquared, int count, int cap, double deltaSquared, double negligibleEnergy) {
        int significant = 0;
        while (significant < count && sigmaSquared[significant] > negligibleEnergy) {
            significant++;
        }
        int rank = Math.min(cap, Math.max(1, significant));
        if (deltaSquared > 0) {
            double tail = 0;
            int r = count;
            while (r > 1 && tail + sigmaSquared[r - 1] <= deltaSquared) {
                tail += sigmaSquared[r - 1];
                r--;
            }
            rank = Math.min(rank, r);
        }
        return Math.max(1, Math.min(rank, count));
    }

    private static float[] toFloat(double[] values, int length) {
        float[] f = new float[length];
        for (int i = 0; i < length; i++) {
            f[i] = (float) values[i];
        }
        return f;
    }

    private static int checkedCores(int[] dims) {
        if (dims == null || dims.length < 2) {
            throw new IllegalArgumentException("TT-SVD needs at least 2 dimensions, got "
                    + (dims == null ? "none" : java.util.Arrays.toString(dims)));
        }
        long size = 1;
        for (int d : dims) {
            if (d < 1) {
                throw new IllegalArgumentException("dimension " + d + " in " + java.util.Arrays.toString(dims)
                        + " is invalid: every dimension must be at least 1");
            }
            size *= d;
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("dimensions " + java.util.Arrays.toString(dims) + " hold " + size
                    + " values, too many for one array");
        }
        return dims.length;
    }
}
