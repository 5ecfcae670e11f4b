package dev.mmps.training.factorised;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;

/**
 * A 1x1 convolution computed as one matrix product over the channels: {@code (N, C_in, H, W)} to
 * {@code (N, C_out, H, W)} with a {@code C_out x C_in} weight (the 1x1 convolution's, flattened) and an optional
 * bias. The 1x1 layers of a Tucker-2 convolution are these rather than DJL convolutions: fine-tuning a decomposed
 * network through libtorch's CPU convolution for them turned the loss NaN in some runs of one same command
 * (BENCHMARKS.md, "Tucker-2 on CIFAR-10").
 */
public final class ChannelMix extends AbstractBlock {

    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;

    public ChannelMix(int in, int out, boolean withBias) {
        this.in = in;
        this.out = out;
        weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(out, in)).optInitializer(new XavierInitializer()).build());
        bias = withBias ? addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
                .optShape(new Shape(out)).optInitializer(Initializer.ZEROS).build()) : null;
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        NDArray w = store.getValue(weight, x.getDevice(), training);
        // (N, C, H, W) -> (N H W, C) x (C, C_out) -> (N, C_out, H, W)
        NDArray y = x.transpose(0, 2, 3, 1).reshape(-1, in).matMul(w.transpose());
        if (bias != null) {
            y = y.add(store.getValue(bias, x.getDevice(), training));
        }
        return new NDList(y.reshape(s.get(0), s.get(2), s.get(3), out).transpose(0, 3, 1, 2));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), out, s.get(2), s.get(3))};
    }

    /** Multiply-accumulates for an input of this shape: the weight at every position of every image. */
    public long multiplyAccumulates(Shape input) {
        return (long) in * out * input.get(2) * input.get(3);
    }

    @Override
    public String toString() {
        return "ChannelMix(" + in + " -> " + out + (bias == null ? "" : ", bias") + ")";
    }
}
