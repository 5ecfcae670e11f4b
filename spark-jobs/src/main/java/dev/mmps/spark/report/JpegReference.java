package dev.mmps.spark.report;

import dev.mmps.images.ChannelMode;
import dev.mmps.images.DecodedImage;
import dev.mmps.images.ImageFailure;
import dev.mmps.images.Preprocess;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.metrics.Quality;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The reference a user would otherwise pick: JPEG at a given quality, encoded with the Java
 * library the compress job decodes with ({@code javax.imageio}), and decoded back the same way.
 */
public final class JpegReference {

    /** Qualities for rate-distortion curves, from coarse to fine. */
    public static final float[] QUALITIES = {0.05f, 0.1f, 0.2f, 0.3f, 0.5f, 0.7f, 0.8f, 0.9f, 0.95f, 0.98f, 1.0f};

    /** One encoding: its size and its PSNR against the image it was made from. */
    public record Point(float quality, int bytes, double psnrDb) {}

    private final Preprocess decoder = new Preprocess(0, 0, ChannelMode.AUTO, Long.MAX_VALUE);

    /** Encodes {@code pixels} (HWC on [0, 1], 1 or 3 channels) at {@code quality} and measures it. */
    public Point measure(float[] pixels, ImageShape shape, float quality) {
        byte[] jpeg = encode(pixels, shape, quality);
        try {
            DecodedImage back = decoder.apply(jpeg);
            double mse = Quality.squaredError(pixels, back.pixels(), pixels.length);
            return new Point(quality, jpeg.length, Quality.psnrDb(mse, pixels.length));
        } catch (ImageFailure e) {
            throw new IllegalStateException("a JPEG written by ImageIO could not be read back: " + e.getMessage(), e);
        }
    }

    /** The JPEG bytes of an image. */
    public static byte[] encode(float[] pixels, ImageShape shape, float quality) {
        if (shape.channels() != 1 && shape.channels() != 3) {
            throw new IllegalArgumentException("JPEG holds 1 or 3 channels, not " + shape.channels());
        }
        BufferedImage image = Preprocess.toImage(shape, pixels);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(bytes)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.setOutput(stream);
            writer.write(null, new IIOImage(image, null, null), param);
            stream.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG encoding failed: " + e.getMessage(), e);
        } finally {
            writer.dispose();
        }
    }
}
