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

    /** Below this many rows the row Gram uses dot products; above, outer products that vectorise. */
    private static final int OUTER_PRODUCT_ROWS = 12;

    /**
     * {@code g = a a^T} for row-major {@code a} ({@code rows x cols}); fills both triangles.
     *
     * @param scratch at least {@code rows * cols} values, used for {@code a^T}
     */
    static void gramOfRows(double[] a, int rows, int cols, double[] g, double[] scratch) {
        if (rows < OUTER_PRODUCT_ROWS) {
            gramOfRowsByDots(a, rows, cols, g);
            return;
        }
        transpose(a, rows, cols, scratch);
        Arrays.fill(g, 0, rows * rows, 0.0);
        for (int l = 0; l < cols; l++) {
            int column = l * rows;
            for (int i = 0; i < rows; i++) {
                double x = scratch[column + i];
                int gi = i * rows;
                for (int j = 0; j < rows; j++) {
                    g[gi + j] += x * scratch[column + j];
                }
            }
        }
    }

    private static void gramOfRowsByDots(double[] a, int rows, int cols, double[] g) {
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
                int gi = i * cols;
                for (int j = 0; j < cols; j++) {
                    g[gi + j] += x * a[row + j];
                }
            }
        }
    }

    static void transpose(double[] a, int rows, int cols, double[] out) {
        for (int i = 0; i < rows; i++) {
            int base = i * cols;
            for (int j = 0; j < cols; j++) {
                out[j * rows + i] = a[base + j];
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
     * modified Gram-Schmidt applied twice, on a transposed copy so every column is contiguous. A
     * column that vanishes is replaced by the first unit vector not already in the span, so the
     * result always has {@code rank} orthonormal columns.
     *
     * @param scratch at least {@code rows * rank} values
     */
    static void orthonormalizeColumns(double[] y, int rows, int rank, double[] scratch) {
        transpose(y, rows, rank, scratch);
        for (int c = 0; c < rank; c++) {
            int base = c * rows;
            double before = squaredNorm(scratch, base, rows);
            subtractProjections(scratch, rows, c);
            subtractProjections(scratch, rows, c);
            double after = squaredNorm(scratch, base, rows);
            int unit = 0;
            while (after <= 1e-24 * Math.max(before, Double.MIN_NORMAL) || after == 0) {
                Arrays.fill(scratch, base, base + rows, 0.0);
                scratch[base + unit] = 1.0;
                before = 1.0;
                subtractProjections(scratch, rows, c);
                subtractProjections(scratch, rows, c);
                after = squaredNorm(scratch, base, rows);
                unit++;
            }
            double inv = 1.0 / Math.sqrt(after);
            for (int i = 0; i < rows; i++) {
                scratch[base + i] *= inv;
            }
        }
        transpose(scratch, rank, rows, y);
    }

    /** Removes from row {@code c} of {@code q} ({@code rank x rows}) its components along rows {@code 0..c-1}. */
    private static void subtractProjections(double[] q, int rows, int c) {
        int target = c * rows;
        for (int p = 0; p < c; p++) {
            int source = p * rows;
            double dot = 0;
            for (int i = 0; i < rows; i++) {
                dot += q[source + i] * q[target + i];
            }
            for (int i = 0; i < rows; i++) {
                q[target + i] -= dot * q[source + i];
            }
        }
    }

    private static double squaredNorm(double[] q, int from, int length) {
        double s = 0;
        for (int i = from; i < from + length; i++) {
            s += q[i] * q[i];
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
