package dev.mmps.tensor.tt;

import dev.mmps.tensor.linalg.LowRank;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.RankSelector;
import java.util.Arrays;
import java.util.Optional;

/**
 * Sequential truncated SVDs of a tensor into a matrix product state: Algorithm 1 of the MMPS
 * paper, the TT-SVD of Oseledets (2011), peeling cores from whichever end is cheaper.
 *
 * <p>The remainder still to be split covers cores {@code L..R} with outer bonds {@code r_{L-1}}
 * and {@code r_R}. A left step unfolds it as {@code (r_{L-1} j_L) x (rest)}, factors it as
 * {@code U W} with orthonormal {@code U} truncated by the {@link BondPolicy}, stores {@code U} as
 * core {@code L} and carries {@code W} on; a right step factors the unfolding
 * {@code (rest) x (j_R r_R)} as {@code W V^T}, stores the right-orthonormal {@code V^T} as core
 * {@code R} and carries {@code W} on. The core left when the
 * ends meet holds the norm. Algorithm 1 as printed only peels from the left; the order matters
 * for speed, not for the guarantee: every step is an orthogonal projection on indices no other
 * step touches, so the step errors are orthogonal and the squared error is exactly the sum of the
 * discarded squared singular values (paper Eq. 3 with equality).
 *
 * <p>Each step takes the side whose Gram matrix is cheaper to form and decompose
 * ({@code rows * cols * min + min^3}), left on a tie. Peeling a left-to-right chain only from the
 * left leaves the whole right half untruncated while the middle bonds are split; taking the
 * cheap side first keeps every eigenproblem small (order 16 instead of 48 for the default CIFAR
 * layout).
 *
 * <p>Singular values below {@link #NEGLIGIBLE} times {@code ||A||_F} are never kept: they are
 * rounding noise, and dropping them keeps exact decompositions of low-rank images small.
 *
 * <p>A step that keeps every direction of the side it peels, when that side is the unfolding's smaller
 * one (the colour mode of a 224x224 image: {@code 50176 x 3} at rank 3), is exact with any orthonormal
 * basis. It stores the identity as the core and carries the unfolding on unchanged, so the routes can
 * skip its basis and product ({@link LowRank#acceptIdentityBasis}); every route gives the same factors.
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
        step.acceptIdentityBasis(true);
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
        return run(tensor, dims, policy, Long.MAX_VALUE);
    }

    /**
     * Decomposes {@code tensor} as {@link #decompose} does, unless its cores hold more than
     * {@code budget} values: then the steps left once the cores made so far exceed it are not
     * computed. For searches that discard such results.
     *
     * @return the decomposition, or empty if it would hold more than {@code budget} values
     */
    public Optional<Decomposition> decomposeWithin(double[] tensor, int[] dims, BondPolicy policy, long budget) {
        return Optional.ofNullable(run(tensor, dims, policy, budget));
    }

    private Decomposition run(double[] tensor, int[] dims, BondPolicy policy, long budget) {
        int n = checkedCores(dims);
        if (policy == null) {
            throw new IllegalArgumentException("bond policy is null; pass BondPolicy.EXACT for no truncation");
        }
        policy.requireBonds(n - 1);
        int total = 1;
        for (int d : dims) {
            total *= d;
        }
        if (tensor == null || tensor.length < total) {
            throw new IllegalArgumentException("tensor holds " + (tensor == null ? "nothing" : tensor.length + " values")
                    + " but dimensions " + Arrays.toString(dims) + " need " + total);
        }
        ensureCapacity(total);
        double energy = 0;
        for (int i = 0; i < total; i++) {
            double v = tensor[i];
            carry[i] = v;
            energy += v * v;
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
        int left = 0;
        int right = n - 1;
        int size = total;
        long stored = 0;
        while (left < right) {
            int leftRows = ranks[left] * dims[left];
            int rightCols = dims[right] * ranks[right + 1];
            boolean fromLeft = cost(leftRows, size / leftRows) <= cost(size / rightCols, rightCols);
            int bond = fromLeft ? left : right - 1;
            int cap = policy.cap(bond);
            RankSelector rule = (sigmaSquared, count, all) ->
                    selectRank(sigmaSquared, count, cap, deltaSquared, negligibleEnergy);
            // An error target reads the tail of the spectrum; a cap alone only its leading values.
            RankSelector selector = deltaSquared > 0 ? rule : RankSelector.bounded(cap, rule);
            if (fromLeft) {
                int cols = size / leftRows;
                factorizer.factor(carry, leftRows, cols, selector, step);
                int r = step.rank();
                if (r == leftRows && leftRows <= cols) {
                    cores[left] = identity(r);
                } else {
                    cores[left] = toFloat(step.u(), leftRows * r);
                    System.arraycopy(step.w(), 0, carry, 0, r * cols);
                }
                stored += cores[left].length;
                ranks[left + 1] = r;
                size = r * cols;
                left++;
            } else {
                int rows = size / rightCols;
                factorizer.factorRight(carry, rows, rightCols, selector, step);
                int r = step.rank();
                if (r == rightCols && rightCols <= rows) {
                    cores[right] = identity(r);
                } else {
                    cores[right] = rightCore(step.u(), dims[right], ranks[right + 1], r);
                    System.arraycopy(step.w(), 0, carry, 0, rows * r);
                }
                stored += cores[right].length;
                ranks[right] = r;
                size = rows * r;
                right--;
            }
            discarded[bond] = Math.sqrt(step.discardedEnergy());
            spectra[bond] = Arrays.copyOf(step.sigmaSquared(), step.spectrumLength());
            if (stored > budget) {
                return null;
            }
        }
        if (stored + (long) ranks[left] * dims[left] * ranks[left + 1] > budget) {
            return null;
        }
        cores[left] = toFloat(carry, ranks[left] * dims[left] * ranks[left + 1]);
        return new Decomposition(Mps.adopt(dims.clone(), ranks, cores), discarded, Math.sqrt(energy), spectra);
    }

    /** Flops to form and decompose the Gram matrix of a {@code rows x cols} unfolding, roughly. */
    private static double cost(int rows, int cols) {
        double small = Math.min(rows, cols);
        return (double) rows * cols * small + small * small * small;
    }

    /**
     * Core {@code [r, j, rRight]} from {@code V}, whose rows are indexed by {@code (i, b)} and
     * columns by {@code a}.
     */
    private static float[] rightCore(double[] u, int dim, int rRight, int r) {
        float[] core = new float[r * dim * rRight];
        int rows = dim * rRight;
        for (int row = 0; row < rows; row++) {
            for (int a = 0; a < r; a++) {
                core[a * rows + row] = (float) u[row * r + a];
            }
        }
        return core;
    }

    private void ensureCapacity(int total) {
        if (carry.length < total) {
            carry = new double[total];
        }
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

    /** The {@code n x n} identity: the core of a step that keeps every direction of its smaller side. */
    private static float[] identity(int n) {
        float[] core = new float[n * n];
        for (int i = 0; i < n; i++) {
            core[i * n + i] = 1;
        }
        return core;
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
                    + (dims == null ? "none" : Arrays.toString(dims)));
        }
        long size = 1;
        for (int d : dims) {
            if (d < 1) {
                throw new IllegalArgumentException("dimension " + d + " in " + Arrays.toString(dims)
                        + " is invalid: every dimension must be at least 1");
            }
            size *= d;
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("dimensions " + Arrays.toString(dims) + " hold " + size
                    + " values, too many for one array");
        }
        return dims.length;
    }
}
