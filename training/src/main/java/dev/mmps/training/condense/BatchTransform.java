package dev.mmps.training.condense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.mmps.training.data.Augmentation;
import java.util.Random;

/**
 * One random transformation applied to a whole batch, as DSA draws one per batch: a left-right flip and a shift
 * by {@code (dy, dx)} pixels with zero fill. Both are linear in the pixels and made of differentiable array
 * operations, so a student step on a transformed batch is differentiated through it like through the network.
 *
 * @param flip whether the batch is mirrored left to right
 * @param dy rows moved down (negative: up)
 * @param dx columns moved right (negative: left)
 */
public record BatchTransform(boolean flip, int dy, int dx) {

    public static final BatchTransform IDENTITY = new BatchTransform(false, 0, 0);

    /** A transformation drawn from {@code random}: a flip with probability one half, shifts up to {@code padding}. */
    public static BatchTransform draw(Augmentation augmentation, Random random) {
        boolean flip = augmentation.flip() && random.nextBoolean();
        int p = augmentation.padding();
        if (p == 0) {
            return new BatchTransform(flip, 0, 0);
        }
        return new BatchTransform(flip, random.nextInt(2 * p + 1) - p, random.nextInt(2 * p + 1) - p);
    }

    /** The batch {@code (N, C, H, W)} transformed, in its manager. */
    public NDArray apply(NDArray x) {
        NDArray y = flip ? x.flip(3) : x;
        return shift(shift(y, 2, dy), 3, dx);
    }

    /** {@code x} moved by {@code by} along {@code axis} (2: rows, 3: columns), zeros coming in. */
    private static NDArray shift(NDArray x, int axis, int by) {
        if (by == 0) {
            return x;
        }
        long size = x.getShape().get(axis);
        int n = (int) Math.min(Math.abs(by), size);
        long[] zerosShape = x.getShape().getShape().clone();
        zerosShape[axis] = n;
        NDArray zeros = x.getManager().zeros(new Shape(zerosShape), x.getDataType());
        String kept = by > 0 ? "0:" + (size - n) : n + ":" + size;
        NDArray part = x.get(axis == 2 ? ":, :, " + kept : ":, :, :, " + kept);
        return by > 0 ? zeros.concat(part, axis) : part.concat(zeros, axis);
    }
}
