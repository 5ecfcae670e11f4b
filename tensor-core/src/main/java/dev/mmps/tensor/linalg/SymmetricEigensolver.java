package dev.mmps.tensor.linalg;

/**
 * All eigenvalues and the leading eigenvectors of a dense symmetric matrix: what the Gram route
 * needs. {@link SymmetricEigen} is plain Java and fastest for the small orders of CIFAR-sized
 * unfoldings; {@link LapackSymmetricEigen} is native LAPACK and wins from order ~100 up.
 * Implementations keep scratch and are not thread-safe.
 */
public interface SymmetricEigensolver {

    /**
     * Computes every eigenvalue of the symmetric matrix {@code g} and keeps what
     * {@link #leadingVectors} needs.
     *
     * @param g row-major {@code n x n} symmetric matrix; only read
     * @param values receives all {@code n} eigenvalues in descending order
     * @return false if the iteration did not converge (the outputs are then unusable)
     */
    boolean eigenvalues(double[] g, int n, double[] values);

    /**
     * {@link #eigenvalues(double[], int, double[])} for a caller that expects to ask {@link #leadingVectors} for
     * at most {@code vectorsAtMost} eigenvectors. The number only chooses the algorithm (a solver may compute
     * every eigenvector at once where that is cheaper than the wanted ones later); any {@code k} is served.
     */
    default boolean eigenvalues(double[] g, int n, double[] values, int vectorsAtMost) {
        return eigenvalues(g, n, values);
    }

    /**
     * Eigenvectors of the {@code k} largest eigenvalues of the matrix last passed to
     * {@link #eigenvalues}, as the columns of a row-major {@code n x k} matrix; unit length and
     * mutually orthogonal.
     */
    void leadingVectors(int k, double[] vectors);
}
