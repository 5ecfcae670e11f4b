package dev.mmps.tensor.linalg;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.CblasUpper;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.openblas.global.openblas;

/**
 * {@link MatrixProduct} through OpenBLAS {@code dgemm}, copying operands into reused off-heap
 * buffers and the result back. For the products of a TT-SVD the copies cost less than the
 * difference in arithmetic speed. Not thread-safe.
 */
public final class BlasGemm implements MatrixProduct, AutoCloseable {

    private final NativeMatrix pinned = new NativeMatrix();
    private double[] pinnedArray;
    private int pinnedLength;
    private boolean pinnedLoaded;
    private final NativeMatrix left = new NativeMatrix();
    private final NativeMatrix right = new NativeMatrix();
    private final NativeMatrix product = new NativeMatrix();

    public BlasGemm() {
        NativeBlas.ensureLoaded();
    }

    @Override
    public void multiply(double[] a, boolean transA, double[] b, boolean transB, int m, int n, int k, double[] c) {
        if (a == b && transA != transB && m == n) {
            gram(a, transA, n, k, c);
            return;
        }
        var pa = a == pinnedArray ? pinnedCopy() : left.load(a, m * k);
        var pb = b == pinnedArray ? pinnedCopy() : b == a ? pa : right.load(b, k * n);
        var pc = product.ensure((long) m * n);
        openblas.cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                m, n, k, 1.0, pa, transA ? m : k, pb, transB ? k : n, 0.0, pc, n);
        product.store(c, m * n);
    }

    /**
     * {@code A^T A} or {@code A A^T} ({@code n x n}) by {@code dsyrk}: half the multiply-adds of {@code dgemm}.
     * It fills the upper triangle; the lower one is mirrored from it here.
     */
    private void gram(double[] a, boolean transposeFirst, int n, int k, double[] c) {
        var pa = a == pinnedArray ? pinnedCopy() : left.load(a, n * k);
        var pc = product.ensure((long) n * n);
        openblas.cblas_dsyrk(CblasRowMajor, CblasUpper, transposeFirst ? CblasTrans : CblasNoTrans, n, k, 1.0, pa,
                transposeFirst ? n : k, 0.0, pc, n);
        product.store(c, n * n);
        for (int i = 1; i < n; i++) {
            for (int j = 0; j < i; j++) {
                c[i * n + j] = c[j * n + i];
            }
        }
    }

    /** Copies the pinned array when a product first needs it: a factorisation that needs none copies nothing. */
    @Override
    public void pin(double[] a, int length) {
        pinnedArray = a;
        pinnedLength = length;
        pinnedLoaded = false;
    }

    private DoublePointer pinnedCopy() {
        if (!pinnedLoaded) {
            pinned.load(pinnedArray, pinnedLength);
            pinnedLoaded = true;
        }
        return pinned.ensure(pinnedLength);
    }

    @Override
    public void unpin() {
        pinnedArray = null;
        pinnedLoaded = false;
    }

    @Override
    public void close() {
        pinned.close();
        left.close();
        right.close();
        product.close();
    }
}
