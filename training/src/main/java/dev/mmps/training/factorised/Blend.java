package dev.mmps.training.factorised;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A trained layer and its factorised form side by side, for progressive compression (paper 003): the
 * output is {@code s * original(x) + (1 - s) * factorised(x)}, the original's share {@code s} set by a
 * {@link ProgressiveSchedule} as training goes, from 1 down to 0, after which the original is dropped.
 * At a share of 0 the original is not evaluated.
 */
public final class Blend extends AbstractBlock {

    private final Block original;
    private final Block factorised;
    private float share = 1;

    public Blend(Block original, Block factorised) {
        this.original = addChildBlock("original", original);
        this.factorised = addChildBlock("factorised", factorised);
    }

    /** The original layer's share of the output, in [0, 1]. */
    public float share() {
        return share;
    }

    public void setShare(double share) {
        if (!(share >= 0 && share <= 1)) {
            throw new IllegalArgumentException("the original layer's share " + share + " is not in [0, 1]");
        }
        this.share = (float) share;
    }

    public Block original() {
        return original;
    }

    public Block factorised() {
        return factorised;
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray low = factorised.forward(store, inputs, training, params).singletonOrThrow();
        if (share == 0) {
            return new NDList(low);
        }
        NDArray high = original.forward(store, inputs, training, params).singletonOrThrow();
        return new NDList(high.mul(share).add(low.mul(1 - share)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return factorised.getOutputShapes(inputShapes);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        original.initialize(manager, dataType, inputShapes);
        factorised.initialize(manager, dataType, inputShapes);
    }
}
