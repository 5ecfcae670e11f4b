package dev.mmps.tensor.linalg;

/**
 * The seam through which the TT-SVD obtains its truncated factorisations, one unfolding at a time.
 *
 * <p>Implementations differ in route (a Gram matrix and a symmetric eigensolver, or a full SVD),
 * in language (plain Java or native LAPACK) and so in speed; they agree on the result up to
 * rounding, and each applies the sign convention of {@link LowRank}. Instances keep scratch
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

    /** Short name used in configuration, logs and benchmarks. */
    String name();
}
