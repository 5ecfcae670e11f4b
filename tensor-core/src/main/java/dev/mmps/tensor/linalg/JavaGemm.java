package dev.mmps.tensor.linalg;

import java.util.Arrays;

/**
 * {@code C = op(A) op(B)} for the small, often skinny row-major matrices of a TT-SVD, in plain
 * Java, with the loop order chosen by shape so the innermost loop is long and contiguous:
 * <ul>
 *   <li>both sides of {@code C} tiny and the inner dimension long: dot products of contiguous rows
 *       (four accumulators);
 *   <li>otherwise {@code c_i += a_ik b_k} along the longer side of {@code C}, computing
 *       {@code C^T = op(B)^T op(A)^T} and transposing back when the columns are the short side.
 * </ul>
 * The inner loops read and write different arrays, which HotSpot vectorises; Java never
 * reassociates the sums, so results do not depend on which order ran. Operands are transposed
 * into scratch where a strategy needs it, so calls allocate nothing once warm. Not thread-safe.
 */
public final class JavaGemm implements MatrixProduct {

    /** Output sides below this length make an axpy inner loop mostly overhead. */
    private static final int SHORT = 8;

    private double[] left = new double[0];
    private double[] right = new double[0];
    private double[] result = new double[0];

    @Override
    public void multiply(double[] a, boolean transA, double[] b, boolean transB, int m, int n, int k, double[] c) {
        if (Math.max(m, n) < SHORT && k >= SHORT) {
            dots(a, transA, b, transB, m, n, k, c);
        } else if (n >= SHORT || n >= m) {
            rows(a, transA, b, transB, m, n, k, c);
        } else {
            result = grow(result, m * n);
            rows(b, !transB, a, !transA, n, m, k, result);
            DenseKernels.transpose(result, n, m, c);
        }
    }

    /** {@code c_ij = <row i of A, column j of B>} with both operands laid out contiguously. */
    private void dots(double[] a, boolean transA, double[] b, boolean transB, int m, int n, int k, double[] c) {
        double[] rowsOfA = a;
        if (transA) {
            left = grow(left, m * k);
            DenseKernels.transpose(a, k, m, left);
            rowsOfA = left;
        }
        double[] columnsOfB = b;
        if (!transB) {
            right = grow(right, n * k);
            DenseKernels.transpose(b, k, n, right);
            columnsOfB = right;
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c[i * n + j] = DenseKernels.dot(rowsOfA, i * k, columnsOfB, j * k, k);
            }
        }
    }

    /** Row by row: {@code c_i = sum_k a_ik b_k}, the inner loop along a row of {@code B}. */
    private void rows(double[] a, boolean transA, double[] b, boolean transB, int m, int n, int k, double[] c) {
        double[] rowsOfB = b;
        if (transB) {
            right = grow(right, k * n);
            DenseKernels.transpose(b, n, k, right);
            rowsOfB = right;
        }
        Arrays.fill(c, 0, m * n, 0.0);
        for (int i = 0; i < m; i++) {
            int ci = i * n;
            for (int l = 0; l < k; l++) {
                double x = transA ? a[l * m + i] : a[i * k + l];
                if (x == 0) {
                    continue;
                }
                int bl = l * n;
                for (int j = 0; j < n; j++) {
                    c[ci + j] += x * rowsOfB[bl + j];
                }
            }
        }
    }

    private static double[] grow(double[] array, int size) {
        return array.length >= size ? array : new double[Math.max(size, array.length * 2)];
    }
}
