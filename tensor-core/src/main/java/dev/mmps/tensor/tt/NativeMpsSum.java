package dev.mmps.tensor.tt;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;

import dev.mmps.tensor.linalg.LowRankFactorizers;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * Contracts a sum of MPS over the same dimensions (an image's stages, paper Eq. 5) into its full
 * tensor in single precision with OpenBLAS {@code sgemm}: the reading direction, where the values are
 * float32 on disk and in the image, so double precision buys nothing and costs twice the memory traffic.
 *
 * <p>Each stage is contracted from both ends to the bond {@code m} with the fewest multiply-adds (as
 * {@link MpsContractor} does): the cores left of it become a {@code (j_1 .. j_m) x r_m} matrix, those right of it an
 * {@code r_m x (j_{m+1} .. j_n)} matrix, each built by a chain of products in off-heap buffers, and
 * the product of the two is added into the tensor (the first stage's overwrites it), so the values stay
 * off the Java heap until the sum is done.
 * Scratch is reused between calls. Not thread-safe; close it to free the off-heap buffers.
 */
public final class NativeMpsSum implements AutoCloseable {

    private final Buffer core = new Buffer();
    private final Buffer chain = new Buffer();
    private final Buffer chainNext = new Buffer();
    private final Buffer left = new Buffer();
    private final Buffer right = new Buffer();
    private final Buffer tensor = new Buffer();

    /**
     * @throws IllegalStateException if OpenBLAS cannot be loaded here (see {@link #available()})
     */
    public NativeMpsSum() {
        if (!available()) {
            throw new IllegalStateException("native OpenBLAS is not available on this machine; contract with "
                    + MpsContractor.class.getSimpleName() + " and plain Java products instead");
        }
    }

    private static final ThreadLocal<NativeMpsSum> PER_THREAD = ThreadLocal.withInitial(NativeMpsSum::new);

    /**
     * This thread's instance, for callers that contract one tensor after another and have no point at which to
     * close one (the stage loop of every codec a task makes): its buffers live as long as the thread and grow to
     * its largest tensor.
     *
     * @throws IllegalStateException if OpenBLAS cannot be loaded here (see {@link #available()})
     */
    public static NativeMpsSum perThread() {
        return PER_THREAD.get();
    }

    /** Whether OpenBLAS loads and passes its check here. */
    public static boolean available() {
        return LowRankFactorizers.nativeAvailable();
    }

    /**
     * Writes the sum of {@code stages} (row-major over their common dimensions) into {@code target}.
     *
     * @param target receives {@code j_1 * .. * j_n} values
     */
    public void sum(List<Mps> stages, float[] target) {
        int[] dims = stages.get(0).dimsView();
        int n = dims.length;
        int size = stages.get(0).size();
        for (Mps m : stages) {
            if (!java.util.Arrays.equals(m.dimsView(), dims)) {
                throw new IllegalArgumentException("stages of one sum must share their dimensions, got "
                        + java.util.Arrays.toString(dims) + " and " + java.util.Arrays.toString(m.dimsView()));
            }
        }
        if (target.length < size) {
            throw new IllegalArgumentException("target holds " + target.length + " values, the tensor " + size);
        }
        if (n == 1) {
            java.util.Arrays.fill(target, 0, size, 0f);
            for (Mps m : stages) {
                float[] only = m.coresView()[0];
                for (int i = 0; i < size; i++) {
                    target[i] += only[i];
                }
            }
            return;
        }
        FloatPointer t = tensor.ensure(size);
        boolean first = true;
        for (Mps m : stages) {
            int split = MpsContractor.cheapestSplit(dims, m.ranksView());
            int prefix = 1;
            for (int k = 0; k < split; k++) {
                prefix *= dims[k];
            }
            int suffix = size / prefix;
            int bond = m.ranksView()[split];
            FloatPointer l = leftPart(m, split, prefix);
            FloatPointer r = rightPart(m, split, suffix);
            openblas.cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, prefix, suffix, bond, 1f, l, bond, r,
                    suffix, first ? 0f : 1f, t, suffix);
            first = false;
        }
        t.position(0).get(target, 0, size);
    }

    /** Cores {@code 0 .. split-1} of {@code m} as a {@code prefix x r_split} matrix in {@link #left}. */
    private FloatPointer leftPart(Mps m, int split, int prefix) {
        float[][] cores = m.coresView();
        int[] dims = m.dimsView();
        int[] ranks = m.ranksView();
        if (split == 1) {
            return left.load(cores[0]);
        }
        // The chain is (j_1 .. j_k) x r_k after core k; its last product lands in the left buffer.
        FloatPointer a = chain.load(cores[0]);
        int rows = dims[0];
        for (int k = 1; k < split; k++) {
            FloatPointer c = core.load(cores[k]);
            int columns = dims[k] * ranks[k + 1];
            FloatPointer out = k == split - 1 ? left.ensure((long) prefix * ranks[split])
                    : chainNext.ensure((long) rows * columns);
            openblas.cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, columns, ranks[k], 1f, a, ranks[k],
                    c, columns, 0f, out, columns);
            rows *= dims[k];
            swapChain();
            a = chain.pointer;
        }
        return left.pointer.position(0);
    }

    /** Cores {@code split .. n-1} of {@code m} as an {@code r_split x suffix} matrix in {@link #right}. */
    private FloatPointer rightPart(Mps m, int split, int suffix) {
        float[][] cores = m.coresView();
        int[] dims = m.dimsView();
        int[] ranks = m.ranksView();
        int n = dims.length;
        if (split == n - 1) {
            return right.load(cores[n - 1]);
        }
        // The chain is r_k x (j_k .. j_n) before core k-1; its last product lands in the right buffer.
        FloatPointer b = chain.load(cores[n - 1]);
        int columns = dims[n - 1];
        for (int k = n - 2; k >= split; k--) {
            FloatPointer c = core.load(cores[k]);
            FloatPointer out = k == split ? right.ensure((long) ranks[split] * suffix)
                    : chainNext.ensure((long) ranks[k] * dims[k] * columns);
            openblas.cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ranks[k] * dims[k], columns, ranks[k + 1],
                    1f, c, ranks[k + 1], b, columns, 0f, out, columns);
            columns *= dims[k];
            swapChain();
            b = chain.pointer;
        }
        return right.pointer.position(0);
    }

    private void swapChain() {
        FloatPointer p = chain.pointer;
        long cap = chain.capacity;
        chain.pointer = chainNext.pointer;
        chain.capacity = chainNext.capacity;
        chainNext.pointer = p;
        chainNext.capacity = cap;
    }

    @Override
    public void close() {
        core.close();
        chain.close();
        chainNext.close();
        left.close();
        right.close();
        tensor.close();
    }

    /** A growable off-heap float buffer, allocated at the largest size seen. */
    private static final class Buffer implements AutoCloseable {
        private FloatPointer pointer = new FloatPointer(1);
        private long capacity = 1;

        FloatPointer ensure(long size) {
            if (size > capacity) {
                pointer.close();
                capacity = Math.max(size, capacity * 2);
                pointer = new FloatPointer(capacity);
            }
            return pointer.position(0);
        }

        FloatPointer load(float[] values) {
            return ensure(values.length).put(values, 0, values.length);
        }

        @Override
        public void close() {
            pointer.close();
        }
    }
}
