package dev.mmps.tensor.linalg;

/**
 * The reusable output of one truncated factorisation {@code A ~ U W}: {@code U} ({@code rows x
 * rank}) has orthonormal columns spanning the leading left singular subspace of {@code A}, and
 * {@code W = U^T A} ({@code rank x cols}). Buffers grow as needed and are reused between calls, so
 * a factoriser allocates nothing once it has seen its largest matrix.
 *
 * <p>Sign convention: in every column of {@code U} the entry of largest magnitude (the first, on a
 * tie) is positive. This makes the factors a function of the input alone.
 */
public final class LowRank {

    double[] u = new double[0];
    double[] w = new double[0];
    double[] sigmaSquared = new double[0];
    int rows;
    int cols;
    int rank;
    int spectrumLength;
    double totalEnergy;
    double discardedEnergy;

    /** Left factor, row-major {@code rows x rank}; valid up to {@code rows * rank}. */
    public double[] u() {
        return u;
    }

    /** Right factor {@code U^T A}, row-major {@code rank x cols}; valid up to {@code rank * cols}. */
    public double[] w() {
        return w;
    }

    /** Squared singular values in descending order; valid up to {@link #spectrumLength()}. */
    public double[] sigmaSquared() {
        return sigmaSquared;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
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
        this.rows = rows;
        this.cols = cols;
        int small = Math.min(rows, cols);
        if (sigmaSquared.length < small) {
            sigmaSquared = new double[small];
        }
        if (u.length < rows * small) {
            u = new double[rows * small];
        }
        if (w.length < small * cols) {
            w = new double[small * cols];
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
}
