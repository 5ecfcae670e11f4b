package dev.mmps.tensor.codec;

import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.JavaGemm;
import dev.mmps.tensor.tt.MpsContractor;
import dev.mmps.tensor.tt.NativeMpsSum;

/**
 * Rebuilds images from their stored factors for readers (the Java reader, the Spark sources, the job's
 * re-measurement of lower stored precisions): MPS stages are summed in single precision by OpenBLAS
 * ({@link NativeMpsSum}) when it loads, else contracted with plain Java products; other codecs rebuild
 * themselves. Scratch is reused between calls. Not thread-safe; close it to free the off-heap buffers.
 */
public final class ImageRebuilder implements AutoCloseable {

    private final NativeMpsSum nativeSum;
    private final MpsContractor javaContractor;
    private float[] tensor = new float[0];

    /** Native products when OpenBLAS loads here, plain Java otherwise. */
    public ImageRebuilder() {
        this(NativeMpsSum.available());
    }

    /** @param useNative native products (OpenBLAS must load) or plain Java ones */
    public ImageRebuilder(boolean useNative) {
        this.nativeSum = useNative ? new NativeMpsSum() : null;
        this.javaContractor = useNative ? null : new MpsContractor(new JavaGemm());
    }

    /** The rebuilt image, {@code H x W x C} row-major, in a new array. */
    public float[] reconstruct(ImageFactors factors) {
        if (!(factors instanceof MmpsFactors m)) {
            return factors.reconstruct();
        }
        if (nativeSum == null) {
            return m.reconstruct(javaContractor);
        }
        TensorLayout layout = m.layout();
        if (tensor.length < layout.size()) {
            tensor = new float[layout.size()];
        }
        nativeSum.sum(m.stages(), tensor);
        float[] pixels = new float[layout.shape().values()];
        layout.untensorize(tensor, pixels);
        return pixels;
    }

    @Override
    public void close() {
        if (nativeSum != null) {
            nativeSum.close();
        }
    }
}
