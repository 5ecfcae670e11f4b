package dev.mmps.tensor.linalg;

/**
 * {@code C = op(A) op(B)} on row-major double arrays: the one dense kernel the TT-SVD and the
 * reconstruction need besides the eigensolver. {@link JavaGemm} runs anywhere; {@link BlasGemm}
 * calls OpenBLAS and is several times faster on every shape an image produces (BENCHMARKS.md,
 * "SVD routes"). Implementations keep scratch and are not thread-safe.
 */
public interface MatrixProduct {

    /**
     * @param a {@code m x k}, or {@code k x m} if {@code transA}
     * @param b {@code k x n}, or {@code n x k} if {@code transB}
     * @param c receives {@code m x n}; must not be {@code a} or {@code b}
     */
    void multiply(double[] a, boolean transA, double[] b, boolean transB, int m, int n, int k, double[] c);

    /**
     * Promises that {@code a} (its first {@code length} values) will be an operand of the next
     * products and will not change until {@link #unpin()}, so an implementation that copies
     * operands can copy it once.
     */
    default void pin(double[] a, int length) {}

    /** Ends the promise of {@link #pin}. */
    default void unpin() {}
}
