package dev.mmps.tensor.codec;

import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.tt.Mps;
import dev.mmps.tensor.tt.MpsContractor;
import java.util.List;

/**
 * The stored form of one image: its layout and the MPS of every stage (paper Eq. 5 generalised:
 * the image tensor is the sum of the stages).
 */
public record MmpsFactors(TensorLayout layout, List<Mps> stages) implements ImageFactors {

    public MmpsFactors {
        if (layout == null || stages == null || stages.isEmpty()) {
            throw new IllegalArgumentException("MMPS factors need a layout and at least one stage");
        }
        stages = List.copyOf(stages);
        int[] dims = layout.dims();
        for (int s = 0; s < stages.size(); s++) {
            if (!java.util.Arrays.equals(stages.get(s).dims(), dims)) {
                throw new IllegalArgumentException("stage " + (s + 1) + " has dimensions "
                        + java.util.Arrays.toString(stages.get(s).dims()) + " but layout " + layout.spec() + " has "
                        + java.util.Arrays.toString(dims));
            }
        }
    }

    @Override
    public dev.mmps.tensor.layout.ImageShape shape() {
        return layout.shape();
    }

    /** Stored values over all stages (the numerator of paper Eq. 6). */
    @Override
    public long parameters() {
        long p = 0;
        for (Mps m : stages) {
            p += m.parameters();
        }
        return p;
    }

    /** {@link #parameters()} over the image's {@code H * W * C}. */
    @Override
    public double ratio() {
        return (double) parameters() / layout.shape().values();
    }

    /** The tensor: the sum of the stages, in layout order. */
    public double[] tensor() {
        return tensor(new MpsContractor());
    }

    /** The tensor, contracted with a caller's (reused) contractor. */
    public double[] tensor(MpsContractor contractor) {
        double[] tensor = new double[layout.size()];
        for (Mps m : stages) {
            contractor.addTo(m, tensor);
        }
        return tensor;
    }

    /** The reconstructed image, {@code H x W x C} row-major. */
    @Override
    public float[] reconstruct() {
        return reconstruct(new MpsContractor());
    }

    /** The reconstructed image, contracted with a caller's (reused) contractor. */
    public float[] reconstruct(MpsContractor contractor) {
        float[] pixels = new float[layout.shape().values()];
        layout.untensorize(tensor(contractor), pixels);
        return pixels;
    }
}
