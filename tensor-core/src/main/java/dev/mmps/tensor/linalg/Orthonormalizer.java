package dev.mmps.tensor.linalg;

/**
 * Orthonormal columns spanning those of a tall matrix, through the matrix products: CholeskyQR
 * ({@code C = Y^T Y = R^T R}, {@code Q = Y R^{-1}}), or modified Gram-Schmidt when {@code C} is not safely
 * positive definite (a column vanished or the columns are nearly dependent). Keeps its scratch between
 * calls; not thread-safe.
 */
final class Orthonormalizer {

    private double[] gram = new double[0];
    private double[] inverse = new double[0];
    private double[] scratch = new double[0];

    /**
     * @param y row-major {@code rows x rank}; overwritten when Gram-Schmidt runs
     * @param out receives {@code rows x rank} orthonormal columns; may not be {@code y}
     * @return true if CholeskyQR made them: then {@code out = y C} with {@link #coefficients()} {@code C}
     */
    boolean orthonormalize(MatrixProduct products, double[] y, int rows, int rank, double[] out) {
        if (gram.length < rank * rank) {
            gram = new double[rank * rank];
            inverse = new double[rank * rank];
        }
        products.multiply(y, true, y, false, rank, rank, rows, gram);
        if (DenseKernels.invertCholeskyFactor(gram, rank, inverse)) {
            products.multiply(y, false, inverse, false, rows, rank, rank, out);
            return true;
        }
        if (scratch.length < rows * rank) {
            scratch = new double[rows * rank];
        }
        DenseKernels.orthonormalizeColumns(y, rows, rank, scratch);
        System.arraycopy(y, 0, out, 0, rows * rank);
        return false;
    }

    /**
     * The row-major {@code rank x rank} matrix {@code C} of the last CholeskyQR, {@code out = y C}; callers that
     * flip columns of {@code out} flip the same columns here.
     */
    double[] coefficients() {
        return inverse;
    }
}
