package dev.mmps.tensor.linalg;

/**
 * Truncated factorisation through the Gram matrix of the smaller side, in plain Java.
 *
 * <p>The singular vectors on the smaller side of {@code A} are the eigenvectors of its Gram
 * matrix ({@code A A^T} for a wide matrix, {@code A^T A} for a tall one); those on the other side
 * are {@code A^T U} or {@code A V}, made orthonormal. The eigenproblem has the order of the smaller
 * side, which for the unfoldings of an image is a few dozen, and only the kept eigenvectors are
 * computed ({@link SymmetricEigen}). Everything runs in double precision, so singular values down
 * to about {@code 1e-7} of the largest are resolved; that is well below what a float32 image
 * holds.
 */
public final class GramFactorizer implements LowRankFactorizer {

    private final SymmetricEigen eigen = new SymmetricEigen();
    private double[] gram = new double[0];
    private double[] vectors = new double[0];
    private double[] scratch = new double[0];
    private double[] basis = new double[0];

    @Override
    public String name() {
        return "java-gram";
    }

    @Override
    public void factor(double[] a, int rows, int cols, RankSelector selector, LowRank out) {
        if (leadingBasis(a, rows, cols, true, selector, out)) {
            DenseKernels.transposeTimes(out.u, rows, out.rank, a, cols, out.w);
        }
    }

    @Override
    public void factorRight(double[] a, int rows, int cols, RankSelector selector, LowRank out) {
        if (leadingBasis(a, rows, cols, false, selector, out)) {
            DenseKernels.times(a, rows, cols, out.u, out.rank, out.w);
        }
    }

    /**
     * Puts the orthonormal basis of the leading left ({@code left}) or right singular subspace in
     * {@code out.u}, sign-fixed, with the spectrum and rank. Returns false for the zero matrix,
     * whose factors are then complete.
     */
    private boolean leadingBasis(double[] a, int rows, int cols, boolean left, RankSelector selector, LowRank out) {
        out.prepare(rows, cols);
        double total = DenseKernels.sumOfSquares(a, rows * cols);
        if (total == 0) {
            ZeroMatrix.factor(rows, cols, left ? rows : cols, selector, out);
            return false;
        }
        boolean rowGram = rows <= cols;
        int order = rowGram ? rows : cols;
        ensureCapacity(rows, cols);
        if (rowGram) {
            DenseKernels.gramOfRows(a, rows, cols, gram, scratch);
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
        int basisRows = left ? rows : cols;
        if (rowGram == left) {
            // The Gram side is the wanted side: its eigenvectors are the basis.
            eigen.leadingVectors(rank, out.u);
        } else {
            // The other side: map the eigenvectors through A (or A^T) and orthonormalise.
            eigen.leadingVectors(rank, vectors);
            if (left) {
                DenseKernels.times(a, rows, cols, vectors, rank, basis);
            } else {
                DenseKernels.transposeTimes(vectors, rows, rank, a, cols, scratch);
                DenseKernels.transpose(scratch, rank, cols, basis);
            }
            DenseKernels.orthonormalizeColumns(basis, basisRows, rank, scratch);
            System.arraycopy(basis, 0, out.u, 0, basisRows * rank);
        }
        DenseKernels.fixColumnSigns(out.u, basisRows, rank);
        return true;
    }

    private void ensureCapacity(int rows, int cols) {
        int small = Math.min(rows, cols);
        int large = Math.max(rows, cols);
        if (gram.length < small * small) {
            gram = new double[small * small];
        }
        if (vectors.length < small * small) {
            vectors = new double[small * small];
        }
        if (scratch.length < rows * cols || scratch.length < large * small) {
            scratch = new double[Math.max(rows * cols, large * small)];
        }
        if (basis.length < large * small) {
            basis = new double[large * small];
        }
    }
}
