package dev.mmps.tensor.linalg;

import java.util.Arrays;

/**
 * Eigenvalues and leading eigenvectors of a small dense symmetric matrix, in double precision and
 * plain Java.
 *
 * <p>The pipeline is the classical one for "all eigenvalues, a few eigenvectors":
 * <ol>
 *   <li>reduce to tridiagonal form with Householder reflections (Golub and Van Loan, section 8.3.1),
 *   <li>find every eigenvalue of the tridiagonal matrix with the implicit QL iteration and
 *       Wilkinson shifts (section 8.3.5),
 *   <li>find the eigenvectors of the {@code k} largest eigenvalues by inverse iteration on the
 *       tridiagonal matrix, re-orthogonalising within clusters of close eigenvalues (as LAPACK's
 *       {@code dstein} does),
 *   <li>map those vectors back through the stored reflections.
 * </ol>
 * For an {@code n x n} matrix this costs about {@code 4/3 n^3 + 2 n^2 k} flops, a third of a full
 * eigendecomposition, which is what makes the Gram route of {@link GramFactorizer} fast for the
 * small unfoldings of an image.
 *
 * <p>The inverse iteration starts from a fixed pseudo-random vector, so results are bit-identical
 * from run to run. Instances keep scratch arrays between calls and are not thread-safe.
 */
public final class SymmetricEigen implements SymmetricEigensolver {

    private static final double EPS = Math.ulp(1.0);
    /**
     * Squared column norm below which a Householder step is skipped. The matrix is scaled to unit
     * max-norm first, so this is far below rounding and far above underflow.
     */
    private static final double NEGLIGIBLE_SQUARED = (EPS * 1e-3) * (EPS * 1e-3);
    private static final int MAX_QL_SWEEPS_PER_VALUE = 60;
    private static final int INVERSE_ITERATIONS = 3;
    /** Eigenvalues closer than this fraction of the matrix norm are treated as one cluster. */
    private static final double CLUSTER_GAP = 1e-3;

    private double[] a = new double[0];
    private double[] diag = new double[0];
    private double[] off = new double[0];
    private double[] tau = new double[0];
    private double[] scratch = new double[0];
    private double[] reflector = new double[0];
    private double[] ql = new double[0];
    private double[] qlOff = new double[0];
    private double[] lu = new double[0];
    private int[] pivot = new int[0];
    private double[] inversePivot = new double[0];
    private double[] tridiagVectors = new double[0];
    private int order;

    /**
     * Computes every eigenvalue of the symmetric matrix {@code g} and keeps what
     * {@link #leadingVectors} needs to produce eigenvectors afterwards.
     *
     * @param g row-major {@code n x n} symmetric matrix; only read
     * @param n order of the matrix, at least 1
     * @param values receives all {@code n} eigenvalues in descending order
     * @return {@code false} if the QL iteration did not converge (the outputs are then unusable)
     */
    @Override
    public boolean eigenvalues(double[] g, int n, double[] values) {
        if (n < 1) {
            throw new IllegalArgumentException("eigenproblem of order " + n + ": the order must be at least 1");
        }
        ensureCapacity(n);
        this.order = n;
        // Work on the matrix scaled to unit max-norm: no underflow into subnormals, no overflow.
        double maxAbs = 0;
        for (int i = 0; i < n * n; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(g[i]));
        }
        double scale = maxAbs == 0 ? 1.0 : 1.0 / maxAbs;
        for (int i = 0; i < n * n; i++) {
            a[i] = g[i] * scale;
        }
        tridiagonalize(n);
        System.arraycopy(diag, 0, ql, 0, n);
        System.arraycopy(off, 0, qlOff, 0, n);
        if (!eigenvaluesOfTridiagonal(ql, qlOff, n)) {
            return false;
        }
        sortDescending(ql, n);
        for (int i = 0; i < n; i++) {
            values[i] = ql[i] * maxAbs;
        }
        return true;
    }

    /**
     * Eigenvectors of the {@code k} largest eigenvalues of the matrix last passed to
     * {@link #eigenvalues}.
     *
     * @param k number of vectors, {@code 1 <= k <= n}
     * @param vectors receives the vectors as the columns of a row-major {@code n x k} matrix
     *     (component {@code i} of vector {@code j} at {@code i * k + j}); unit length and mutually
     *     orthogonal
     */
    @Override
    public void leadingVectors(int k, double[] vectors) {
        int n = order;
        if (k < 1 || k > n) {
            throw new IllegalArgumentException(
                    k + " eigenvectors of an order-" + n + " matrix: ask for between 1 and " + n);
        }
        if (tridiagVectors.length < n * k) {
            tridiagVectors = new double[n * k];
        }
        eigenvectorsOfTridiagonal(n, k, ql);
        backTransform(n, k, vectors);
    }

    private void ensureCapacity(int n) {
        if (a.length < n * n) {
            a = new double[n * n];
        }
        if (diag.length < n) {
            diag = new double[n];
            off = new double[n];
            tau = new double[n];
            scratch = new double[2 * n];
            reflector = new double[n];
            ql = new double[n];
            qlOff = new double[n];
            lu = new double[4 * n];
            pivot = new int[n];
            inversePivot = new double[n];
        }
    }

    /**
     * Householder reduction {@code A = Q T Q^T}. Column {@code j}'s reflector vector is kept in row
     * {@code j} to the right of the diagonal (the matrix is symmetric, so that row is the column),
     * its scale in {@code tau[j]}.
     */
    private void tridiagonalize(int n) {
        double[] p = scratch;
        double[] v = reflector;
        for (int j = 0; j < n - 2; j++) {
            int base = j * n;
            int start = j + 1;
            int m = n - start;
            double x0 = a[base + start];
            double tailSq = 0;
            for (int i = start + 1; i < n; i++) {
                tailSq += a[base + i] * a[base + i];
            }
            diag[j] = a[base + j];
            if (tailSq <= NEGLIGIBLE_SQUARED) {
                // Already tridiagonal in this column, up to rounding of the unit-scaled matrix.
                off[j] = x0;
                tau[j] = 0;
                continue;
            }
            double norm = Math.sqrt(x0 * x0 + tailSq);
            double alpha = x0 >= 0 ? -norm : norm;
            // v = x - alpha e1 stored in place; H = I - t v v^T with t = 1 / (alpha (alpha - x0)).
            a[base + start] = x0 - alpha;
            double t = 1.0 / (alpha * (alpha - x0));
            tau[j] = t;
            off[j] = alpha;

            // p = t B v, accumulated row by row (B is symmetric, so rows serve as columns).
            Arrays.fill(p, 0, m, 0.0);
            for (int l = 0; l < m; l++) {
                double vl = a[base + start + l];
                if (vl == 0) {
                    continue;
                }
                int row = (start + l) * n + start;
                for (int i = 0; i < m; i++) {
                    p[i] += vl * a[row + i];
                }
            }
            double pv = 0;
            for (int i = 0; i < m; i++) {
                p[i] *= t;
                pv += p[i] * a[base + start + i];
            }
            double half = 0.5 * t * pv;
            // v in its own array, so the update below reads and writes different arrays and vectorises.
            System.arraycopy(a, base + start, v, 0, m);
            for (int i = 0; i < m; i++) {
                p[i] -= half * v[i];
            }
            // B -= v q^T + q v^T
            for (int i = 0; i < m; i++) {
                double vi = v[i];
                double qi = p[i];
                int row = (start + i) * n + start;
                for (int l = 0; l < m; l++) {
                    a[row + l] -= vi * p[l] + qi * v[l];
                }
            }
        }
        if (n >= 2) {
            diag[n - 2] = a[(n - 2) * n + n - 2];
            off[n - 2] = a[(n - 2) * n + n - 1];
        }
        diag[n - 1] = a[n * n - 1];
        off[n - 1] = 0;
        if (n >= 2) {
            tau[n - 2] = 0;
        }
        tau[n - 1] = 0;
    }

    /**
     * All eigenvalues of the tridiagonal matrix with diagonal {@code d} and off-diagonal {@code e}
     * ({@code e[i]} couples {@code i} and {@code i+1}), by the root-free implicit QL iteration of
     * Pal, Walker and Kahan (the variant of LAPACK's {@code dsterf}): it works on the squared
     * off-diagonal, so a rotation costs divisions but no square root. Overwrites {@code d} with
     * the eigenvalues in no particular order and {@code e} with scratch.
     */
    private static boolean eigenvaluesOfTridiagonal(double[] d, double[] e, int n) {
        double norm = 0;
        for (int i = 0; i < n; i++) {
            norm = Math.max(norm, Math.abs(d[i]) + Math.abs(e[i]));
        }
        // Deflate on a small coupling relative to its neighbours or, failing that, to the whole
        // matrix: the latter perturbs eigenvalues by no more than the reduction's own rounding.
        double absolute = EPS * norm;
        double[] e2 = e;
        for (int i = 0; i < n - 1; i++) {
            double coupling = Math.abs(e[i]);
            e2[i] = coupling <= absolute ? 0.0 : e[i] * e[i];
        }
        e2[n - 1] = 0.0;
        for (int l = 0; l < n; l++) {
            int sweeps = 0;
            while (true) {
                int m = l;
                while (m < n - 1) {
                    double scale = Math.abs(d[m]) + Math.abs(d[m + 1]);
                    if (e2[m] <= EPS * EPS * scale * scale || e2[m] <= absolute * absolute) {
                        break;
                    }
                    m++;
                }
                if (m < n - 1) {
                    e2[m] = 0.0;
                }
                if (m == l) {
                    break;
                }
                if (++sweeps > MAX_QL_SWEEPS_PER_VALUE) {
                    return false;
                }
                // Wilkinson-like shift from the leading 2x2 block.
                double rte = Math.sqrt(e2[l]);
                double sigma = (d[l + 1] - d[l]) / (2.0 * rte);
                double r = Math.sqrt(sigma * sigma + 1.0);
                sigma = d[l] - rte / (sigma + Math.copySign(r, sigma));
                double c = 1.0;
                double s = 0.0;
                double gamma = d[m] - sigma;
                double p = gamma * gamma;
                for (int i = m - 1; i >= l; i--) {
                    double bb = e2[i];
                    r = p + bb;
                    if (i != m - 1) {
                        e2[i + 1] = s * r;
                    }
                    double oldc = c;
                    // 1 / c = 1 + bb / p: both divisions depend on p alone, so they overlap instead of
                    // waiting for each other (the chain of one rotation to the next is the QL's cost).
                    double inverse = 1.0 / r;
                    double growth = 1.0 + bb / p;
                    c = p * inverse;
                    s = bb * inverse;
                    double oldgam = gamma;
                    double alpha = d[i];
                    gamma = c * (alpha - sigma) - s * oldgam;
                    d[i + 1] = oldgam + (alpha - gamma);
                    p = c != 0.0 ? gamma * gamma * growth : oldc * bb;
                }
                e2[l] = s * p;
                d[l] = sigma + gamma;
            }
        }
        return true;
    }

    private static void sortDescending(double[] d, int n) {
        Arrays.sort(d, 0, n);
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            double t = d[i];
            d[i] = d[j];
            d[j] = t;
        }
    }

    /**
     * Inverse iteration for the eigenvectors of the {@code k} largest eigenvalues of the
     * tridiagonal matrix (diag, off). Vectors go to {@code tridiagVectors} as columns of an
     * {@code n x k} row-major matrix.
     */
    private void eigenvectorsOfTridiagonal(int n, int k, double[] values) {
        double norm = 0;
        for (int i = 0; i < n; i++) {
            norm = Math.max(norm, Math.abs(diag[i]) + Math.abs(off[i]) + (i > 0 ? Math.abs(off[i - 1]) : 0));
        }
        double[] x = scratch;
        long seed = 0x9E3779B97F4A7C15L;
        int clusterStart = 0;
        double previousShift = Double.POSITIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            double lambda = values[j];
            if (j > 0 && values[j - 1] - lambda > CLUSTER_GAP * norm) {
                clusterStart = j;
            }
            if (norm == 0) {
                // The zero matrix: any orthonormal basis is an eigenbasis; take the unit vectors.
                for (int i = 0; i < n; i++) {
                    tridiagVectors[i * k + j] = i == j ? 1.0 : 0.0;
                }
                continue;
            }
            // Perturb members of a cluster apart so the shifted systems differ, as dstein does.
            double shift = lambda;
            if (j > clusterStart && previousShift - shift < 10 * EPS * norm) {
                shift = previousShift - 10 * EPS * norm;
            }
            previousShift = shift;
            factorShifted(n, shift, norm);
            for (int i = 0; i < n; i++) {
                seed = seed * 6364136223846793005L + 1442695040888963407L;
                x[i] = ((seed >>> 11) * 0x1.0p-53) - 0.5;
            }
            for (int iteration = 0; iteration < INVERSE_ITERATIONS; iteration++) {
                solveShifted(n, x);
                orthogonalizeAgainst(x, n, k, clusterStart, j);
                normalize(x, n);
            }
            for (int i = 0; i < n; i++) {
                tridiagVectors[i * k + j] = x[i];
            }
        }
    }

    /**
     * LU factorisation with partial pivoting of {@code T - shift I} (the tridiagonal matrix). Rows:
     * {@code lu[i]} diagonal of U, {@code lu[n+i]} first super-diagonal, {@code lu[2n+i]} second
     * super-diagonal (from pivoting), {@code lu[3n+i]} multiplier. Zero pivots are replaced by a
     * tiny multiple of the norm, which is what makes inverse iteration converge in one step.
     */
    private void factorShifted(int n, double shift, double norm) {
        double tiny = EPS * norm;
        int u1 = n;
        int u2 = 2 * n;
        int mult = 3 * n;
        double d = diag[0] - shift;
        double sup = n > 1 ? off[0] : 0;
        for (int i = 0; i < n - 1; i++) {
            double sub = off[i];
            double nextDiag = diag[i + 1] - shift;
            double nextSup = i + 1 < n - 1 ? off[i + 1] : 0;
            if (Math.abs(d) >= Math.abs(sub)) {
                pivot[i] = 0;
                double pivotValue = atLeast(d, tiny);
                double factor = sub / pivotValue;
                lu[i] = pivotValue;
                lu[u1 + i] = sup;
                lu[u2 + i] = 0;
                lu[mult + i] = factor;
                d = nextDiag - factor * sup;
                sup = nextSup;
            } else {
                pivot[i] = 1;
                double factor = d / sub;
                lu[i] = sub;
                lu[u1 + i] = nextDiag;
                lu[u2 + i] = nextSup;
                lu[mult + i] = factor;
                d = sup - factor * nextDiag;
                sup = -factor * nextSup;
            }
        }
        lu[n - 1] = atLeast(d, tiny);
        for (int i = 0; i < n; i++) {
            inversePivot[i] = 1.0 / lu[i];
        }
    }

    private static double atLeast(double value, double tiny) {
        return Math.abs(value) >= tiny ? value : (value < 0 ? -tiny : tiny);
    }

    private void solveShifted(int n, double[] x) {
        int u1 = n;
        int u2 = 2 * n;
        int mult = 3 * n;
        for (int i = 0; i < n - 1; i++) {
            if (pivot[i] == 0) {
                x[i + 1] -= lu[mult + i] * x[i];
            } else {
                double t = x[i];
                x[i] = x[i + 1];
                x[i + 1] = t - lu[mult + i] * x[i];
            }
        }
        x[n - 1] *= inversePivot[n - 1];
        if (n > 1) {
            x[n - 2] = (x[n - 2] - lu[u1 + n - 2] * x[n - 1]) * inversePivot[n - 2];
        }
        for (int i = n - 3; i >= 0; i--) {
            x[i] = (x[i] - lu[u1 + i] * x[i + 1] - lu[u2 + i] * x[i + 2]) * inversePivot[i];
        }
        // Rescale to keep the next iteration in range.
        double max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Math.abs(x[i]));
        }
        if (max > 0 && (max > 1e150 || max < 1e-150)) {
            double scale = 1.0 / max;
            for (int i = 0; i < n; i++) {
                x[i] *= scale;
            }
        }
    }

    private void orthogonalizeAgainst(double[] x, int n, int k, int from, int to) {
        for (int c = from; c < to; c++) {
            double dot = 0;
            for (int i = 0; i < n; i++) {
                dot += x[i] * tridiagVectors[i * k + c];
            }
            for (int i = 0; i < n; i++) {
                x[i] -= dot * tridiagVectors[i * k + c];
            }
        }
    }

    private static void normalize(double[] x, int n) {
        double sq = 0;
        for (int i = 0; i < n; i++) {
            sq += x[i] * x[i];
        }
        if (sq == 0) {
            x[0] = 1.0;
            return;
        }
        double inv = 1.0 / Math.sqrt(sq);
        for (int i = 0; i < n; i++) {
            x[i] *= inv;
        }
    }

    /** {@code vectors = Q * tridiagVectors}, applying the reflectors from the last to the first. */
    private void backTransform(int n, int k, double[] vectors) {
        System.arraycopy(tridiagVectors, 0, vectors, 0, n * k);
        double[] dots = scratch;
        for (int j = n - 3; j >= 0; j--) {
            double t = tau[j];
            if (t == 0) {
                continue;
            }
            int base = j * n;
            int start = j + 1;
            Arrays.fill(dots, 0, k, 0.0);
            for (int i = start; i < n; i++) {
                double vi = a[base + i];
                int row = i * k;
                for (int c = 0; c < k; c++) {
                    dots[c] += vi * vectors[row + c];
                }
            }
            for (int c = 0; c < k; c++) {
                dots[c] *= t;
            }
            for (int i = start; i < n; i++) {
                double vi = a[base + i];
                int row = i * k;
                for (int c = 0; c < k; c++) {
                    vectors[row + c] -= vi * dots[c];
                }
            }
        }
    }
}
