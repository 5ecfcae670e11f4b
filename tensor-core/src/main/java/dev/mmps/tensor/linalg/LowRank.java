package dev.mmps.tensor.linalg;

/**
 * The reusable output of one truncated factorisation. From the left ({@link
 * LowRankFactorizer#factor}) it is {@code A ~ U W}: {@code U} ({@code rows x rank}) has orthonormal
 * columns spanning the leading left singular subspace of {@code A} and {@code W = U^T A}
 * ({@code rank x cols}). From the right ({@link LowRankFactorizer#factorRight}) it is
 * {@code A ~ W V^T}: {@link #u()} holds {@code V} ({@code cols x rank}, orthonormal columns) and
 * {@link #w()} holds {@code W = A V} ({@code rows x rank}). Buffers grow as needed and are reused
 * between calls, so a factoriser allocates nothing once it has seen its largest matrix.
 *
 * <p>Sign convention: in every column of the orthonormal factor the entry of largest magnitude
 * (the first, on a tie) is positive. This makes the factors a function of the input alone.
 *
 * <p>A factorisation that keeps every direction of the basis side when that side is the smaller one
 * ({@code rank == rows <= cols} from the left, {@code rank == cols <= rows} from the right) is exact
 * whatever orthonormal basis it takes. A caller that takes the identity there and the input as {@code W}
 * calls {@link #acceptIdentityBasis}; a route may then leave both factors unwritten for such a call (the
 * rank and the shape say which calls those are). Routes that do not take the shortcut fill both as usual.
 */
public final class LowRank {

    double[] u = new double[0];
    double[] w = new double[0];
    double[] sigmaSquared = new double[0];
    int rank;
    int spectrumLength;
    double totalEnergy;
    double discardedEnergy;
    private boolean identityAccepted;

    /**
     * Lets the routes leave both factors unwritten when a factorisation keeps every direction of its smaller
     * side, the basis side (see the class comment): the caller takes the identity and the input itself.
     */
    public void acceptIdentityBasis(boolean accept) {
        identityAccepted = accept;
    }

    /** Whether the caller takes the identity basis of an exact factorisation itself. */
    boolean identityAccepted() {
        return identityAccepted;
    }

    /** The orthonormal factor, row-major with {@link #rank()} columns. */
    public double[] u() {
        return u;
    }

    /** The other factor: {@code U^T A} ({@code rank x cols}) from the left, {@code A V} ({@code rows x rank}) from the right. */
    public double[] w() {
        return w;
    }

    /**
     * Squared singular values in descending order; valid up to {@link #spectrumLength()}, which is the smaller
     * side of the matrix, or fewer for a route that computes only the leading ones.
     */
    public double[] sigmaSquared() {
        return sigmaSquared;
    }

    public int rank() {
        return rank;
    }

    /** How many squared singular values {@link #sigmaSquared()} holds. */
    public int spectrumLength() {
        return spectrumLength;
    }

    /** {@code ||A||_F^2}. */
    public double totalEnergy() {
        return totalEnergy;
    }

    /** {@code ||A - U W||_F^2}: the squared singular values that were not kept. */
    public double discardedEnergy() {
        return discardedEnergy;
    }

    void prepare(int rows, int cols) {
        int small = Math.min(rows, cols);
        int large = Math.max(rows, cols);
        if (sigmaSquared.length < small) {
            sigmaSquared = new double[small];
        }
        if (u.length < large * small) {
            u = new double[large * small];
        }
        if (w.length < large * small) {
            w = new double[large * small];
        }
    }

    /** Records the kept rank and the discarded energy from the spectrum. */
    void keep(int rank, int spectrumLength, double totalEnergy) {
        this.rank = rank;
        this.spectrumLength = spectrumLength;
        this.totalEnergy = totalEnergy;
        double discarded = 0;
        for (int i = spectrumLength - 1; i >= rank; i--) {
            discarded += Math.max(0.0, sigmaSquared[i]);
        }
        this.discardedEnergy = discarded;
    }

    /**
     * Records the kept rank when the spectrum holds only the leading {@code spectrumLength} values of a larger
     * one: the discarded energy is then what the kept directions leave of {@code totalEnergy}.
     */
    void keepLeading(int rank, int spectrumLength, double totalEnergy) {
        this.rank = rank;
        this.spectrumLength = spectrumLength;
        this.totalEnergy = totalEnergy;
        double kept = 0;
        for (int i = 0; i < rank; i++) {
            kept += Math.max(0.0, sigmaSquared[i]);
        }
        this.discardedEnergy = Math.max(0.0, totalEnergy - kept);
    }

    /**
     * Fills this result from a thin SVD computed by a route of its own: keeps the rank {@code selector} picks,
     * applies the sign convention and forms {@code W = U^T A}, as the built-in routes do. For routes outside
     * this package (registered through {@link LowRankFactorizerProvider}).
     *
     * @param a the factored matrix, row-major {@code rows x cols}
     * @param left the left singular vectors, row-major {@code rows x k} with {@code k = min(rows, cols)}
     * @param singular the singular values, descending, at least {@code k} of them
     * @param products computes {@code U^T A}
     */
    public void fromThinSvd(double[] a, int rows, int cols, double[] left, double[] singular, RankSelector selector,
            MatrixProduct products) {
        prepare(rows, cols);
        double total = DenseKernels.sumOfSquares(a, rows * cols);
        if (total == 0) {
            ZeroMatrix.factor(rows, cols, rows, selector, this);
            return;
        }
        int k = Math.min(rows, cols);
        for (int i = 0; i < k; i++) {
            sigmaSquared[i] = singular[i] * singular[i];
        }
        int kept = selector.select(sigmaSquared, k, total);
        keep(kept, k, total);
        for (int i = 0; i < rows; i++) {
            System.arraycopy(left, i * k, u, i * kept, kept);
        }
        DenseKernels.fixColumnSigns(u, rows, kept);
        products.multiply(u, true, a, false, kept, cols, rows, w);
    }
}
