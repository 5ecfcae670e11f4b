package dev.mmps.tensor.linalg;

import static org.bytedeco.openblas.global.openblas.CblasLower;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.LAPACK_COL_MAJOR;

import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * The Gram route of {@link GramFactorizer} on native OpenBLAS: {@code dsyrk} for the Gram matrix,
 * {@code dsytrd} + {@code dsterf} for all eigenvalues, {@code dstein} + {@code dormtr} for the
 * kept eigenvectors, {@code dgemm} for the products. Worth it for large unfoldings, where the
 * blocked native kernels outrun plain Java; for small ones the per-call cost dominates.
 */
public final class LapackGramFactorizer implements LowRankFactorizer, AutoCloseable {

    private final NativeMatrix a = new NativeMatrix();
    private final NativeMatrix gram = new NativeMatrix();
    private final NativeMatrix diag = new NativeMatrix();
    private final NativeMatrix off = new NativeMatrix();
    private final NativeMatrix values = new NativeMatrix();
    private final NativeMatrix wanted = new NativeMatrix();
    private final NativeMatrix scratch = new NativeMatrix();
    private final NativeMatrix tau = new NativeMatrix();
    private final NativeMatrix vectors = new NativeMatrix();
    private final NativeMatrix product = new NativeMatrix();
    private IntPointer blocks = new IntPointer(1);
    private IntPointer split = new IntPointer(1);
    private IntPointer failures = new IntPointer(1);
    private int intCapacity = 1;
    private double[] d = new double[0];
    private double[] e = new double[0];
    private double[] z = new double[0];
    private double[] v = new double[0];
    private double[] rawDescending = new double[0];
    private double[] chosen = new double[0];

    public LapackGramFactorizer() {
        NativeBlas.ensureLoaded();
    }

    @Override
    public String name() {
        return "lapack-gram";
    }

    @Override
    public void factor(double[] input, int rows, int cols, RankSelector selector, LowRank out) {
        out.prepare(rows, cols);
        double total = DenseKernels.sumOfSquares(input, rows * cols);
        if (total == 0) {
            ZeroMatrix.factor(rows, cols, rows, selector, out);
            return;
        }
        boolean wide = rows <= cols;
        int n = wide ? rows : cols;
        ensureScratch(n);
        var pa = a.load(input, rows * cols);
        var pg = gram.ensure((long) n * n);
        openblas.cblas_dsyrk(CblasRowMajor, CblasLower, wide ? CblasNoTrans : CblasTrans, n, wide ? cols : rows,
                1.0, pa, cols, 0.0, pg, n);
        // The row-major lower triangle is the column-major upper triangle.
        var pd = diag.ensure(n);
        var pe = off.ensure(n);
        var pt = tau.ensure(n);
        NativeBlas.check(openblas.LAPACKE_dsytrd(LAPACK_COL_MAJOR, (byte) 'U', n, pg, n, pd, pe, pt), "dsytrd", n, n);
        diag.store(d, n);
        off.store(e, n - 1);
        e[n - 1] = 0.0;

        var pw = values.load(d, n);
        var pe2 = scratch.load(e, n);
        NativeBlas.check(openblas.LAPACKE_dsterf(n, pw, pe2), "dsterf", n, n);
        double[] spectrum = out.sigmaSquared;
        values.store(rawDescending, n);
        reverse(rawDescending, n); // dsterf sorts ascending; the convention here is descending
        for (int i = 0; i < n; i++) {
            spectrum[i] = Math.max(0.0, rawDescending[i]);
        }
        int rank = selector.select(spectrum, n, total);
        out.keep(rank, n, total);

        // dstein wants the chosen eigenvalues ascending, all in one block. LAPACKE's NaN check
        // reads n entries of w (not just the chosen ones), so w gets a full, initialised buffer.
        for (int j = 0; j < n; j++) {
            chosen[j] = j < rank ? rawDescending[rank - 1 - j] : 0.0;
            blocks.put(j, 1);
        }
        var pChosen = wanted.load(chosen, n);
        split.put(0, n);
        var pz = vectors.ensure((long) n * rank);
        NativeBlas.check(openblas.LAPACKE_dstein(LAPACK_COL_MAJOR, n, pd, pe, rank, pChosen, blocks, split, pz, n,
                failures), "dstein", n, n);
        NativeBlas.check(openblas.LAPACKE_dormtr(LAPACK_COL_MAJOR, (byte) 'L', (byte) 'U', (byte) 'N', n, rank, pg, n,
                pt, pz, n), "dormtr", n, n);
        vectors.store(z, n * rank);
        // Column j of z is the eigenvector of the j-th smallest chosen value; reorder to descending.
        double[] target = wide ? out.u : v;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < rank; j++) {
                target[i * rank + j] = z[(rank - 1 - j) * n + i];
            }
        }
        if (!wide) {
            var pv = vectors.load(v, n * rank);
            var py = product.ensure((long) rows * rank);
            openblas.cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, rank, cols, 1.0, pa, cols, pv,
                    rank, 0.0, py, rank);
            product.store(out.u, rows * rank);
            DenseKernels.orthonormalizeColumns(out.u, rows, rank, new double[rows * rank]);
        }
        DenseKernels.fixColumnSigns(out.u, rows, rank);
        var pu = vectors.load(out.u, rows * rank);
        var pwOut = product.ensure((long) rank * cols);
        openblas.cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, rank, cols, rows, 1.0, pu, rank, pa, cols, 0.0,
                pwOut, cols);
        product.store(out.w, rank * cols);
    }

    private static void reverse(double[] x, int n) {
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            double t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
    }

    private void ensureScratch(int n) {
        if (d.length < n) {
            d = new double[n];
            e = new double[n];
            rawDescending = new double[n];
            chosen = new double[n];
        }
        if (z.length < n * n) {
            z = new double[n * n];
            v = new double[n * n];
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
        a.close();
        gram.close();
        diag.close();
        off.close();
        values.close();
        wanted.close();
        scratch.close();
        tau.close();
        vectors.close();
        product.close();
        blocks.close();
        split.close();
        failures.close();
    }
}
