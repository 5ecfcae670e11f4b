package dev.mmps.tensor.codec;

import dev.mmps.tensor.layout.ImageShape;

/**
 * The stored form of one image under some codec. Every codec counts its parameters the same way:
 * the values it stores, over the image's {@code H * W * C}, so one ratio is one budget for all.
 */
public interface ImageFactors {

    /** The image's shape (before any padding a codec applies internally). */
    ImageShape shape();

    /** Stored values. */
    long parameters();

    /** {@link #parameters()} over {@code H * W * C}. */
    default double ratio() {
        return (double) parameters() / shape().values();
    }

    /** The reconstructed image, {@code H x W x C} row-major. */
    float[] reconstruct();
}
