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

    /** Smallest pivot CholeskyQR accepts on the norm-scaled Gram matrix (1 for orthogonal columns). */
    private static final double CHOLESKY_FLOOR = 0.5;

    private DenseKernels() {}

    /** {@code sum(a[i]^2)} over the first {@code length} entries. */
    static double sumOfSquares(double[] a, int length) {
        return dot(a, 0, a, 0, length);
    }

    /**
     * Largest smaller side whose Gram matrix {@link #thinGram} forms: below it OpenBLAS's {@code dsyrk} and
     * {@code dgemm} run at a small fraction of their speed (BENCHMARKS.md, "Where the kernel's time goes").
     */
    static final int THIN_GRAM_ORDER = 3;

    /**
     * The Gram matrix of the smaller side of a row-major {@code rows x cols} matrix whose smaller side is at
     * most {@link #THIN_GRAM_ORDER}: {@code A A^T} when {@code rows <= cols}, else {@code A^T A}, both triangles.
     */
    static void thinGram(double[] a, int rows, int cols, double[] gram) {
        boolean rowGram = rows <= cols;
        int order = rowGram ? rows : cols;
        int length = rowGram ? cols : rows;
        if (order > THIN_GRAM_ORDER) {
            throw new IllegalArgumentException("thin Gram of order " + order + " asked; at most "
                    + THIN_GRAM_ORDER + " is formed here, larger ones by the matrix products");
        }
        // Entry (i, j) of the smaller side's vectors sits at a[i * iStep + k * kStep].
        int iStep = rowGram ? cols : 1;
        int kStep = rowGram ? 1 : cols;
        if (order < 3) {
            for (int i = 0; i < order; i++) {
                for (int j = i; j < order; j++) {
                    double s = 0;
                    for (int k = 0, at = 0; k < length; k++, at += kStep) {
                        s += a[at + i * iStep] * a[at + j * iStep];
                    }
                    gram[i * order + j] = s;
                    gram[j * order + i] = s;
                }
            }
            return;
        }
        // Order 3, the colour mode of an RGB image: the six entries in registers, one pass.
        double g00 = 0;
        double g01 = 0;
        double g02 = 0;
        double g11 = 0;
        double g12 = 0;
        double g22 = 0;
        for (int k = 0, at = 0; k < length; k++, at += kStep) {
            double x = a[at];
            double y = a[at + iStep];
            double z = a[at + 2 * iStep];
            g00 += x * x;
            g01 += x * y;
            g02 += x * z;
            g11 += y * y;
            g12 += y * z;
            g22 += z * z;
        }
        gram[0] = g00;
        gram[1] = g01;
        gram[2] = g02;
        gram[3] = g01;
        gram[4] = g11;
        gram[5] = g12;
        gram[6] = g02;
        gram[7] = g12;
        gram[8] = g22;
    }

    /** Dot product of {@code length} contiguous values of two arrays, four accumulators. */
    static double dot(double[] x, int xFrom, double[] y, int yFrom, int length) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int l = 0;
        for (; l + 3 < length; l += 4) {
            s0 += x[xFrom + l] * y[yFrom + l];
            s1 += x[xFrom + l + 1] * y[yFrom + l + 1];
            s2 += x[xFrom + l + 2] * y[yFrom + l + 2];
            s3 += x[xFrom + l + 3] * y[yFrom + l + 3];
        }
        for (; l < length; l++) {
            s0 += x[xFrom + l] * y[yFrom + l];
        }
        return (s0 + s1) + (s2 + s3);
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
     * For the Gram matrix {@code c = Y^T Y} ({@code n x n}) of nearly orthogonal columns, writes
     * into {@code inverse} the {@code n x n} matrix {@code M} such that {@code Y M} has orthonormal
     * columns: {@code M = D^{-1} R^{-1}}, where {@code D} holds the column norms and {@code R} is
     * the Cholesky factor of the norm-scaled {@code D^{-1} c D^{-1}} (close to the identity, so
     * the factorisation is accurate whatever the spread of the norms). Returns false, leaving
     * {@code inverse} unusable, when a column vanishes or the columns are far from orthogonal.
     * {@code c} is overwritten.
     */
    static boolean invertCholeskyFactor(double[] c, int n, double[] inverse) {
        double[] norms = new double[n];
        for (int i = 0; i < n; i++) {
            norms[i] = Math.sqrt(c[i * n + i]);
            if (!(norms[i] > 0) || !Double.isFinite(norms[i])) {
                return false;
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                c[i * n + j] /= norms[i] * norms[j];
            }
        }
        // Upper Cholesky factor R of the scaled matrix, in place in its upper triangle.
        for (int j = 0; j < n; j++) {
            double d = c[j * n + j];
            for (int k = 0; k < j; k++) {
                d -= c[k * n + j] * c[k * n + j];
            }
            if (!(d > CHOLESKY_FLOOR)) {
                return false;
            }
            double rjj = Math.sqrt(d);
            c[j * n + j] = rjj;
            for (int i = j + 1; i < n; i++) {
                double v = c[j * n + i];
                for (int k = 0; k < j; k++) {
                    v -= c[k * n + j] * c[k * n + i];
                }
                c[j * n + i] = v / rjj;
            }
        }
        // R^{-1} by back substitution, column by column, then rows scaled by 1 / norm.
        Arrays.fill(inverse, 0, n * n, 0.0);
        for (int j = 0; j < n; j++) {
            inverse[j * n + j] = 1.0 / c[j * n + j];
            for (int i = j - 1; i >= 0; i--) {
                double v = 0;
                for (int k = i + 1; k <= j; k++) {
                    v += c[i * n + k] * inverse[k * n + j];
                }
                inverse[i * n + j] = -v / c[i * n + i];
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                inverse[i * n + j] /= norms[i];
            }
        }
        return true;
    }

    /**
     * Applies the sign convention of {@link LowRank}: flips each column of the row-major
     * {@code rows x rank} matrix {@code u} whose entry of largest magnitude is negative.
     */
    static void fixColumnSigns(double[] u, int rows, int rank) {
        fixColumnSigns(u, rows, rank, null, 0);
    }

    /**
     * {@link #fixColumnSigns(double[], int, int)}, flipping the same columns of {@code companion}
     * (row-major {@code companionRows x rank}, or null): the coefficients that map another basis to {@code u}.
     */
    static void fixColumnSigns(double[] u, int rows, int rank, double[] companion, int companionRows) {
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
                for (int i = 0; companion != null && i < companionRows; i++) {
                    companion[i * rank + c] = -companion[i * rank + c];
                }
            }
        }
    }
}
