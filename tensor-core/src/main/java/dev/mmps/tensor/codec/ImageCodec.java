package dev.mmps.tensor.codec;

import dev.mmps.tensor.layout.ImageShape;

/**
 * One way to store an image in fewer values: MMPS, or a baseline of the paper's comparison
 * (per-channel SVD, CP, Tucker). Instances keep scratch buffers and are not thread-safe.
 */
public interface ImageCodec {

    /** Short name used on the command line and in tables: {@code mmps}, {@code svd}, ... */
    String name();

    /**
     * Compresses one image.
     *
     * @param pixels {@code H x W x C} row-major values, nominally in [0, 1]; all finite
     * @throws IllegalArgumentException for a null or mismatched array, non-finite values, or a
     *     budget this codec cannot meet for the shape (the message says the nearest it can)
     */
    Encoding encode(float[] pixels, ImageShape shape);

    /** Makes a codec for one thread from the spec: how each task of a Spark job gets its own. */
    @FunctionalInterface
    interface Factory extends java.io.Serializable {
        ImageCodec create(CompressionSpec spec, dev.mmps.tensor.linalg.LowRankFactorizer factorizer);
    }

    /** A compressed image and its statistics. */
    record Encoding(ImageFactors factors, dev.mmps.tensor.metrics.ImageStats stats) {}
}
