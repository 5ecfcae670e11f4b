package dev.mmps.tensor.linalg;

import java.util.Arrays;

/**
 * The handful of dense products the factorisers need, on row-major double arrays.
 *
 * <p>Inner loops run along contiguous rows ({@code y += s * x} form) so that HotSpot can vectorise
 * them; Java does not reassociate floating-point sums, so the results do not depend on whether a
 * loop was vectorised.
 */
final class DenseKernels {

    private DenseKernels() {}

    /** {@code sum(a[i]^2)} over the first {@code length} entries. */
    static double sumOfSquares(double[] a, int length) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < length; i += 4) {
            s0 += a[i] * a[i];
            s1 += a[i + 1] * a[i + 1];
            s2 += a[i + 2] * a[i + 2];
            s3 += a[i + 3] * a[i + 3];
        }
        for (; i < length; i++) {
            s0 += a[i] * a[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** {@code g = a a^T} for row-major {@code a} ({@code rows x cols}); fills both triangles. */
    static void gramOfRows(double[] a, int rows, int cols, double[] g) {
        for (int i = 0; i < rows; i++) {
            int ri = i * cols;
            for (int j = 0; j <= i; j++) {
                int rj = j * cols;
                double s0 = 0;
                double s1 = 0;
                double s2 = 0;
                double s3 = 0;
                int l = 0;
                for (; l + 3 < cols; l += 4) {
                    s0 += a[ri + l] * a[rj + l];
                    s1 += a[ri + l + 1] * a[rj + l + 1];
                    s2 += a[ri + l + 2] * a[rj + l + 2];
                    s3 += a[ri + l + 3] * a[rj + l + 3];
                }
                for (; l < cols; l++) {
                    s0 += a[ri + l] * a[rj + l];
                }
                double s = (s0 + s1) + (s2 + s3);
                g[i * rows + j] = s;
                g[j * rows + i] = s;
            }
        }
    }

    /** {@code g = a^T a} for row-major {@code a} ({@code rows x cols}); fills both triangles. */
    static void gramOfColumns(double[] a, int rows, int cols, double[] g) {
        Arrays.fill(g, 0, cols * cols, 0.0);
        for (int r = 0; r < rows; r++) {
            int row = r * cols;
            for (int i = 0; i < cols; i++) {
                double x = a[row + i];
                if (x == 0) {
                    continue;
                }
                int gi = i * cols;
                for (int j = 0; j <= i; j++) {
                    g[gi + j] += x * a[row + j];
                }
            }
        }
        for (int i = 0; i < cols; i++) {
            for (int j = 0; j < i; j++) {
                g[j * cols + i] = g[i * cols + j];
            }
        }
    }

    /**
     * {@code w = u^T a}: {@code u} is {@code rows x rank}, {@code a} is {@code rows x cols}, {@code w}
     * is {@code rank x cols}.
     */
    static void transposeTimes(double[] u, int rows, int rank, double[] a, int cols, double[] w) {
        Arrays.fill(w, 0, rank * cols, 0.0);
        for (int i = 0; i < rows; i++) {
            int ar = i * cols;
            for (int c = 0; c < rank; c++) {
                double x = u[i * rank + c];
                if (x == 0) {
                    continue;
                }
                int wr = c * cols;
                for (int l = 0; l < cols; l++) {
                    w[wr + l] += x * a[ar + l];
                }
            }
        }
    }

    /**
     * {@code y = a v}: {@code a} is {@code rows x inner}, {@code v} is {@code inner x rank}, {@code y}
     * is {@code rows x rank}.
     */
    static void times(double[] a, int rows, int inner, double[] v, int rank, double[] y) {
        Arrays.fill(y, 0, rows * rank, 0.0);
        for (int i = 0; i < rows; i++) {
            int yr = i * rank;
            int ar = i * inner;
            for (int l = 0; l < inner; l++) {
                double x = a[ar + l];
                if (x == 0) {
                    continue;
                }
                int vr = l * rank;
                for (int c = 0; c < rank; c++) {
                    y[yr + c] += x * v[vr + c];
                }
            }
        }
    }

    /**
     * Makes the columns of the row-major {@code rows x rank} matrix {@code y} orthonormal by
     * modified Gram-Schmidt applied twice. A column that vanishes is replaced by the first unit
     * vector not already in the span, so the result always has {@code rank} orthonormal columns.
     */
    static void orthonormalizeColumns(double[] y, int rows, int rank) {
        for (int c = 0; c < rank; c++) {
            double before = columnNormSquared(y, rows, rank, c);
            for (int pass = 0; pass < 2; pass++) {
                subtractProjections(y, rows, rank, c);
            }
            double after = columnNormSquared(y, rows, rank, c);
            int unit = 0;
            while (after <= 1e-24 * Math.max(before, Double.MIN_NORMAL) || after == 0) {
                for (int i = 0; i < rows; i++) {
                    y[i * rank + c] = i == unit ? 1.0 : 0.0;
                }
                before = 1.0;
                for (int pass = 0; pass < 2; pass++) {
                    subtractProjections(y, rows, rank, c);
                }
                after = columnNormSquared(y, rows, rank, c);
                unit++;
            }
            double inv = 1.0 / Math.sqrt(after);
            for (int i = 0; i < rows; i++) {
                y[i * rank + c] *= inv;
            }
        }
    }

    private static void subtractProjections(double[] y, int rows, int rank, int c) {
        for (int p = 0; p < c; p++) {
            double dot = 0;
            for (int i = 0; i < rows; i++) {
                dot += y[i * rank + p] * y[i * rank + c];
            }
            for (int i = 0; i < rows; i++) {
                y[i * rank + c] -= dot * y[i * rank + p];
            }
        }
    }

    private static double columnNormSquared(double[] y, int rows, int rank, int c) {
        double s = 0;
        for (int i = 0; i < rows; i++) {
            s += y[i * rank + c] * y[i * rank + c];
        }
        return s;
    }

    /**
     * Applies the sign convention of {@link LowRank}: flips each column of the row-major
     * {@code rows x rank} matrix {@code u} whose entry of largest magnitude is negative.
     */
    static void fixColumnSigns(double[] u, int rows, int rank) {
        for (int c = 0; c < rank; c++) {
            double best = 0;
            for (int i = 0; i < rows; i++) {
                double x = u[i * rank + c];
                if (Math.abs(x) > Math.abs(best)) {
                    best = x;
                }
            }
            if (best < 0) {
                for (int i = 0; i < rows; i++) {
                    u[i * rank + c] = -u[i * rank + c];
                }
            }
        }
    }
}
