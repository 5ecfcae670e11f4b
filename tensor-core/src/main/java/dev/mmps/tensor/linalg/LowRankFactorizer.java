package dev.mmps.tensor.linalg;

/**
 * The seam through which the TT-SVD obtains its truncated factorisations, one unfolding at a time.
 *
 * <p>Implementations differ in route (a Gram matrix and a symmetric eigensolver, or a full SVD),
 * in language (plain Java or native LAPACK) and so in speed; the exact ones agree on the result up to
 * rounding ({@link RandomizedFactorizer} approximates where it sketches), and each applies the sign convention
 * of {@link LowRank}. Instances keep scratch
 * buffers and are not thread-safe: use one per thread.
 */
public interface LowRankFactorizer {

    /**
     * Factors {@code a ~ U W} keeping the rank that {@code selector} picks.
     *
     * @param a row-major {@code rows x cols} matrix; not modified
     * @param rows number of rows, at least 1
     * @param cols number of columns, at least 1
     * @param selector chooses the rank from the singular values
     * @param out receives {@code U}, {@code W} and the spectrum
     * @throws ArithmeticException if the underlying decomposition fails to converge
     */
    void factor(double[] a, int rows, int cols, RankSelector selector, LowRank out);

    /**
     * Factors {@code a ~ W V^T} from the right: {@code V} ({@code cols x rank}, returned in
     * {@link LowRank#u()}) has orthonormal columns spanning the leading right singular subspace
     * and {@code W = a V} ({@code rows x rank}, returned row-major in {@link LowRank#w()}). The
     * sign convention applies to the columns of {@code V}. Equivalent to {@link #factor} of the
     * transpose, with {@code W} transposed.
     */
    default void factorRight(double[] a, int rows, int cols, RankSelector selector, LowRank out) {
        double[] t = new double[rows * cols];
        DenseKernels.transpose(a, rows, cols, t);
        factor(t, cols, rows, selector, out);
        int rank = out.rank();
        double[] w = new double[rows * rank];
        DenseKernels.transpose(out.w, rank, rows, w);
        System.arraycopy(w, 0, out.w, 0, rows * rank);
    }

    /** Short name used in configuration, logs and benchmarks. */
    String name();

    /** The matrix products this route uses, for work around it (reconstruction). */
    default MatrixProduct products() {
        return new JavaGemm();
    }
}
