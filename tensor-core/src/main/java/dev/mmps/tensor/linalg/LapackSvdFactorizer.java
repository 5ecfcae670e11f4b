package dev.mmps.tensor.linalg;

import static org.bytedeco.openblas.global.openblas.LAPACK_ROW_MAJOR;

import org.bytedeco.openblas.global.openblas;

/**
 * Truncated factorisation from a full thin SVD ({@code dgesdd}, divide and conquer) in native
 * LAPACK. The most accurate route and the reference the others are tested against; it computes
 * every singular vector only to keep a few, so it is the slowest for strong truncation.
 */
public final class LapackSvdFactorizer implements LowRankFactorizer, AutoCloseable {

    private final BlasGemm gemm = new BlasGemm();
    private final NativeMatrix a = new NativeMatrix();
    private final NativeMatrix s = new NativeMatrix();
    private final NativeMatrix u = new NativeMatrix();
    private final NativeMatrix vt = new NativeMatrix();
    private double[] fullU = new double[0];
    private double[] singular = new double[0];

    public LapackSvdFactorizer() {
        NativeBlas.ensureLoaded();
    }

    @Override
    public String name() {
        return "lapack-svd";
    }

    @Override
    public MatrixProduct products() {
        return gemm;
    }

    @Override
    public void factor(double[] input, int rows, int cols, RankSelector selector, LowRank out) {
        if (DenseKernels.sumOfSquares(input, rows * cols) == 0) {
            out.prepare(rows, cols);
            ZeroMatrix.factor(rows, cols, rows, selector, out);
            return;
        }
        int k = Math.min(rows, cols);
        var pa = a.load(input, rows * cols);
        var ps = s.ensure(k);
        var pu = u.ensure((long) rows * k);
        var pvt = vt.ensure((long) k * cols);
        NativeBlas.check(openblas.LAPACKE_dgesdd(LAPACK_ROW_MAJOR, (byte) 'S', rows, cols, pa, cols, ps, pu, k, pvt,
                cols), "dgesdd", rows, cols);
        if (singular.length < k) {
            singular = new double[k];
        }
        if (fullU.length < rows * k) {
            fullU = new double[rows * k];
        }
        s.store(singular, k);
        u.store(fullU, rows * k);
        out.fromThinSvd(input, rows, cols, fullU, singular, selector, gemm);
    }

    @Override
    public void close() {
        gemm.close();
        a.close();
        s.close();
        u.close();
        vt.close();
    }
}
