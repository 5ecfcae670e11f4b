package dev.mmps.tensor.linalg;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;

import org.bytedeco.openblas.global.openblas;

/**
 * {@link MatrixProduct} through OpenBLAS {@code dgemm}, copying operands into reused off-heap
 * buffers and the result back. For the products of a TT-SVD the copies cost less than the
 * difference in arithmetic speed. Not thread-safe.
 */
public final class BlasGemm implements MatrixProduct, AutoCloseable {

    private final NativeMatrix pinned = new NativeMatrix();
    private double[] pinnedArray;
    private final NativeMatrix left = new NativeMatrix();
    private final NativeMatrix right = new NativeMatrix();
    private final NativeMatrix product = new NativeMatrix();

    public BlasGemm() {
        NativeBlas.ensureLoaded();
    }

    @Override
    public void multiply(double[] a, boolean transA, double[] b, boolean transB, int m, int n, int k, double[] c) {
        var pa = a == pinnedArray ? pinned.ensure(m * k) : left.load(a, m * k);
        var pb = b == pinnedArray ? pinned.ensure(k * n) : b == a ? pa : right.load(b, k * n);
        var pc = product.ensure((long) m * n);
        openblas.cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                m, n, k, 1.0, pa, transA ? m : k, pb, transB ? k : n, 0.0, pc, n);
        product.store(c, m * n);
    }

    @Override
    public void pin(double[] a, int length) {
        pinned.load(a, length);
        pinnedArray = a;
    }

    @Override
    public void unpin() {
        pinnedArray = null;
    }

    @Override
    public void close() {
        pinned.close();
        left.close();
        right.close();
        product.close();
    }
}
