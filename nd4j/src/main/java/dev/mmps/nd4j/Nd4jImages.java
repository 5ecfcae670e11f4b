package dev.mmps.nd4j;

import dev.mmps.tensor.codec.ImageCodec;
import dev.mmps.tensor.codec.ImageFactors;
import dev.mmps.tensor.layout.ImageShape;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Images as ND4J arrays in and out of the codecs: an image is a rank-3 {@code INDArray}, channels first
 * ({@code C x H x W}, as DL4J's convolution layers take them) or last ({@code H x W x C}), values on the [0, 1]
 * scale; the codecs work on {@code H x W x C} float arrays.
 */
public final class Nd4jImages {

    /** Where an image array keeps its channels. */
    public enum Channels {
        /** {@code C x H x W}: DL4J's convolution layers (NCHW batches). */
        FIRST,
        /** {@code H x W x C}: the codecs' own order. */
        LAST
    }

    private Nd4jImages() {}

    /** The image's shape. @throws IllegalArgumentException for an array that is not rank 3 */
    public static ImageShape shape(INDArray image, Channels channels) {
        if (image.rank() != 3) {
            throw new IllegalArgumentException("an image array has rank 3 (" + (channels == Channels.FIRST ? "C x H x W"
                    : "H x W x C") + "), not shape " + java.util.Arrays.toString(image.shape())
                    + "; take one image of a batch with array.get(NDArrayIndex.point(i))");
        }
        long[] s = image.shape();
        return channels == Channels.FIRST ? new ImageShape((int) s[1], (int) s[2], (int) s[0])
                : new ImageShape((int) s[0], (int) s[1], (int) s[2]);
    }

    /** The image's values as the codecs take them: {@code H x W x C}, row-major. */
    public static float[] toHwc(INDArray image, Channels channels) {
        shape(image, channels);
        INDArray hwc = channels == Channels.FIRST ? image.permute(1, 2, 0) : image;
        return hwc.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    /** An {@code H x W x C} row-major image as an array with its channels where asked. */
    public static INDArray fromHwc(float[] hwc, ImageShape shape, Channels channels) {
        INDArray image = Nd4j.create(hwc, new long[] {shape.height(), shape.width(), shape.channels()}, 'c');
        return channels == Channels.FIRST ? image.permute(2, 0, 1).dup('c') : image;
    }

    /** Compresses an image array with a codec: the same factors as the codec gives its float array. */
    public static ImageCodec.Encoding encode(ImageCodec codec, INDArray image, Channels channels) {
        return codec.encode(toHwc(image, channels), shape(image, channels));
    }

    /** The image the factors rebuild, as an array with its channels where asked. */
    public static INDArray rebuild(ImageFactors factors, Channels channels) {
        return fromHwc(factors.reconstruct(), factors.shape(), channels);
    }
}
