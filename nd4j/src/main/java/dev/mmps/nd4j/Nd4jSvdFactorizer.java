package dev.mmps.nd4j;

import dev.mmps.tensor.linalg.LowRank;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.RankSelector;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The {@code nd4j} route of the SVD seam: each unfolding's SVD by ND4J's LAPACK ({@code gesvd}, double precision,
 * through ND4J's own native backend), the rest as the built-in routes do ({@link LowRank#fromThinSvd}). ND4J's
 * {@code gesvd} computes a full square basis on one side; it is asked for the smaller one (the left vectors of a
 * wide matrix, the right vectors of a tall one, from which the left ones are {@code A V / sigma}).
 * Not thread-safe, like every route.
 */
public final class Nd4jSvdFactorizer implements LowRankFactorizer {

    /** Relative size below which a singular value counts as zero when the left vectors come from the right ones. */
    private static final double RANK_DEFICIENT = 1e-12;

    private double[] left = new double[0];
    private double[] singular;

    @Override
    public String name() {
        return Nd4jRoute.NAME;
    }

    @Override
    public void factor(double[] a, int rows, int cols, RankSelector selector, LowRank out) {
        int k = Math.min(rows, cols);
        if (left.length < rows * k) {
            left = new double[rows * k];
        }
        // The seam's buffers may be longer than the matrix.
        INDArray matrix = Nd4j.create(java.util.Arrays.copyOf(a, rows * cols), new long[] {rows, cols}, 'c').dup('f');
        INDArray s = Nd4j.create(DataType.DOUBLE, k);
        if (rows <= cols) {
            INDArray u = Nd4j.create(DataType.DOUBLE, new long[] {rows, rows}, 'f');
            Nd4j.getBlasWrapper().lapack().gesvd(matrix, s, u, null);
            singular = s.toDoubleVector();
            double[] columnMajor = u.data().asDouble();
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < k; j++) {
                    left[i * k + j] = columnMajor[i + j * rows];
                }
            }
        } else {
            INDArray vt = Nd4j.create(DataType.DOUBLE, new long[] {cols, cols}, 'f');
            Nd4j.getBlasWrapper().lapack().gesvd(matrix, s, null, vt);
            singular = s.toDoubleVector();
            leftFromRight(a, rows, cols, vt.data().asDouble());
        }
        out.fromThinSvd(a, rows, cols, left, singular, selector, products());
    }

    /**
     * {@code U = A V / sigma} for a tall {@code A} ({@code k = cols}): column j of V is row j of {@code V^T}, given
     * column-major. A direction whose singular value is zero gets a zero column; energy-based rank rules never
     * keep one.
     */
    private void leftFromRight(double[] a, int rows, int cols, double[] vtColumnMajor) {
        double largest = singular[0];
        for (int j = 0; j < cols; j++) {
            double sigma = singular[j];
            boolean zero = sigma <= RANK_DEFICIENT * largest;
            for (int i = 0; i < rows; i++) {
                double sum = 0;
                for (int p = 0; p < cols; p++) {
                    sum += a[i * cols + p] * vtColumnMajor[j + p * cols];
                }
                left[i * cols + j] = zero ? 0 : sum / sigma;
            }
        }
    }
}
