package dev.mmps.tensor.linalg;

/**
 * Truncated factorisation through the Gram matrix of the smaller side, in plain Java.
 *
 * <p>For a wide matrix ({@code rows <= cols}) the left singular vectors are the eigenvectors of
 * {@code A A^T}; for a tall one the right singular vectors come from {@code A^T A} and the left
 * factor is {@code A V} made orthonormal. Either way the eigenproblem has the order of the smaller
 * side, which for the unfoldings of an image is a few dozen, and only the kept eigenvectors are
 * computed ({@link SymmetricEigen}). Everything runs in double precision, so singular values down
 * to about {@code 1e-7} of the largest are resolved; that is well below what a float32 image
 * holds.
 */
public final class GramFactorizer implements LowRankFactorizer {

    private final SymmetricEigen eigen = new SymmetricEigen();
    private double[] gram = new double[0];
    private double[] vectors = new double[0];

    @Override
    public String name() {
        return "java-gram";
    }

    @Override
    public void factor(double[] a, int rows, int cols, RankSelector selector, LowRank out) {
        out.prepare(rows, cols);
        double total = DenseKernels.sumOfSquares(a, rows * cols);
        boolean wide = rows <= cols;
        int order = wide ? rows : cols;
        if (gram.length < order * order) {
            gram = new double[order * order];
        }
        if (total == 0) {
            ZeroMatrix.factor(rows, cols, selector, out);
            return;
        }
        if (wide) {
            DenseKernels.gramOfRows(a, rows, cols, gram);
        } else {
            DenseKernels.gramOfColumns(a, rows, cols, gram);
        }
        double[] spectrum = out.sigmaSquared;
        if (!eigen.eigenvalues(gram, order, spectrum)) {
            throw new ArithmeticException(
                    "symmetric eigensolver did not converge on a " + order + "x" + order + " Gram matrix");
        }
        for (int i = 0; i < order; i++) {
            spectrum[i] = Math.max(0.0, spectrum[i]);
        }
        int rank = selector.select(spectrum, order, total);
        out.keep(rank, order, total);
        if (wide) {
            eigen.leadingVectors(rank, out.u);
        } else {
            if (vectors.length < cols * rank) {
                vectors = new double[cols * rank];
            }
            eigen.leadingVectors(rank, vectors);
            DenseKernels.times(a, rows, cols, vectors, rank, out.u);
            DenseKernels.orthonormalizeColumns(out.u, rows, rank);
        }
        DenseKernels.fixColumnSigns(out.u, rows, rank);
        DenseKernels.transposeTimes(out.u, rows, rank, a, cols, out.w);
    }
}
