package dev.mmps.tensor.linalg;

import static org.bytedeco.openblas.global.openblas.LAPACK_COL_MAJOR;

import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * The pipeline of {@link SymmetricEigen} in native LAPACK: {@code dsytrd} (blocked Householder
 * reduction), {@code dsterf} (all eigenvalues), {@code dstein} (inverse iteration for the wanted
 * eigenvectors), {@code dormtr} (back-transformation). Its fixed cost per call is tens of
 * microseconds, so it pays only for large orders. When a caller may want more than
 * {@link #ALL_VECTORS_FROM} of the eigenvectors, {@code dsyevd} (divide and conquer) computes all of them
 * at once instead, which is faster there. Not thread-safe.
 */
public final class LapackSymmetricEigen implements SymmetricEigensolver, AutoCloseable {

    /**
     * The share of the order from which {@code dsyevd}'s every eigenvector costs less than inverse iteration
     * for the wanted ones (one thread, EPYC: at order 112, 47 vectors 0.69-0.94 against 0.74-1.02 ms and 16
     * vectors 0.84-0.97 against 0.54-0.57 ms; at order 384, 143 vectors 9.3 against 14.7-14.9 ms and 96
     * vectors 9.9-11.2 against 9.8-11.8 ms).
     */
    static final double ALL_VECTORS_FROM = 0.35;

    private final NativeMatrix matrix = new NativeMatrix();
    private final NativeMatrix diag = new NativeMatrix();
    private final NativeMatrix off = new NativeMatrix();
    private final NativeMatrix tau = new NativeMatrix();
    private final NativeMatrix values = new NativeMatrix();
    private final NativeMatrix scratch = new NativeMatrix();
    private final NativeMatrix chosen = new NativeMatrix();
    private final NativeMatrix vectors = new NativeMatrix();
    private IntPointer blocks = new IntPointer(1);
    private IntPointer split = new IntPointer(1);
    private IntPointer failures = new IntPointer(1);
    private int intCapacity = 1;
    private double[] d = new double[0];
    private double[] e = new double[0];
    private double[] ascending = new double[0];
    private double[] wanted = new double[0];
    private double[] columns = new double[0];
    private int order;
    /** Whether the last call computed every eigenvector (into {@code matrix}, ascending). */
    private boolean allVectors;

    public LapackSymmetricEigen() {
        NativeBlas.ensureLoaded();
    }

    @Override
    public boolean eigenvalues(double[] g, int n, double[] out) {
        return eigenvalues(g, n, out, n);
    }

    @Override
    public boolean eigenvalues(double[] g, int n, double[] out, int vectorsAtMost) {
        if (n < 1) {
            throw new IllegalArgumentException("eigenproblem of order " + n + ": the order must be at least 1");
        }
        ensure(n);
        order = n;
        // Inverse iteration has nothing to iterate on in a zero matrix (dstein returns NaNs); dsyevd does not care.
        allVectors = vectorsAtMost >= ALL_VECTORS_FROM * n || isZero(g, n);
        if (allVectors) {
            var pa = matrix.load(g, n * n);
            if (openblas.LAPACKE_dsyevd(LAPACK_COL_MAJOR, (byte) 'V', (byte) 'U', n, pa, n, values.ensure(n)) != 0) {
                return false;
            }
            values.store(ascending, n);
            descending(n, out);
            return true;
        }
        // A symmetric row-major matrix is its own column-major transpose.
        var pg = matrix.load(g, n * n);
        var pd = diag.ensure(n);
        var pe = off.ensure(n);
        var pt = tau.ensure(n);
        NativeBlas.check(openblas.LAPACKE_dsytrd(LAPACK_COL_MAJOR, (byte) 'U', n, pg, n, pd, pe, pt), "dsytrd", n, n);
        diag.store(d, n);
        if (n > 1) {
            off.store(e, n - 1);
        }
        e[n - 1] = 0.0;
        var pw = values.load(d, n);
        var pe2 = scratch.load(e, n);
        if (openblas.LAPACKE_dsterf(n, pw, pe2) != 0) {
            return false;
        }
        values.store(ascending, n);
        descending(n, out);
        return true;
    }

    private static boolean isZero(double[] g, int n) {
        for (int i = 0; i < n * n; i++) {
            if (g[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private void descending(int n, double[] out) {
        for (int i = 0; i < n; i++) {
            out[i] = ascending[n - 1 - i];
        }
    }

    @Override
    public void leadingVectors(int k, double[] out) {
        int n = order;
        if (k < 1 || k > n) {
            throw new IllegalArgumentException(
                    k + " eigenvectors of an order-" + n + " matrix: ask for between 1 and " + n);
        }
        if (allVectors) {
            // dsyevd left every eigenvector in the matrix, column j for the j-th smallest value.
            copyDescending(matrix, n - k, n, k, out);
            return;
        }
        // dstein wants the chosen eigenvalues ascending, in one block. LAPACKE's NaN check reads
        // n entries of w (not just k), so w is a full, initialised buffer.
        for (int j = 0; j < n; j++) {
            wanted[j] = j < k ? ascending[n - k + j] : 0.0;
            blocks.put(j, 1);
        }
        split.put(0, n);
        var pw = chosen.load(wanted, n);
        var pz = vectors.ensure((long) n * k);
        NativeBlas.check(openblas.LAPACKE_dstein(LAPACK_COL_MAJOR, n, diag.ensure(n), off.ensure(n), k, pw, blocks,
                split, pz, n, failures), "dstein", n, n);
        NativeBlas.check(openblas.LAPACKE_dormtr(LAPACK_COL_MAJOR, (byte) 'L', (byte) 'U', (byte) 'N', n, k,
                matrix.ensure((long) n * n), n, tau.ensure(n), pz, n), "dormtr", n, n);
        copyDescending(vectors, 0, n, k, out);
    }

    /**
     * Columns {@code first .. first + k - 1} of a column-major native matrix with {@code n} rows, ascending by
     * eigenvalue, into the row-major {@code n x k} output in descending order.
     */
    private void copyDescending(NativeMatrix from, int first, int n, int k, double[] out) {
        if (columns.length < n * k) {
            columns = new double[n * k];
        }
        from.store(columns, first * n, n * k);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                out[i * k + j] = columns[(k - 1 - j) * n + i];
            }
        }
    }

    private void ensure(int n) {
        if (d.length < n) {
            d = new double[n];
            e = new double[n];
            ascending = new double[n];
            wanted = new double[n];
        }
        if (n > intCapacity) {
            blocks.close();
            split.close();
            failures.close();
            intCapacity = n;
            blocks = new IntPointer(n);
            split = new IntPointer(n);
            failures = new IntPointer(n);
        }
    }

    @Override
    public void close() {
        matrix.close();
        diag.close();
        off.close();
        tau.close();
        values.close();
        scratch.close();
        chosen.close();
        vectors.close();
        blocks.close();
        split.close();
        failures.close();
    }
}
