package dev.mmps.spark.ingest;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes image bytes with {@code javax.imageio} (JPEG and PNG, and whatever other readers are on
 * the classpath), strictly: warnings such as "premature end of JPEG file", which ImageIO reports
 * while still returning a half-grey image, fail the image; and the declared size is checked
 * against a pixel limit before any pixels are allocated, so a decompression bomb is refused
 * cheaply.
 */
public final class ImageDecoder {

    private ImageDecoder() {}

    /**
     * @param maxPixels largest {@code width * height} accepted
     * @throws ImageFailure with step {@code read} for empty input, {@code decode} otherwise
     */
    public static BufferedImage decode(byte[] bytes, long maxPixels) throws ImageFailure {
        if (bytes == null || bytes.length == 0) {
            throw ImageFailure.emptyFile();
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageFailure(ImageFailure.Step.DECODE, "not a recognised image format ("
                        + bytes.length + " bytes starting " + signature(bytes) + "); expected JPEG or PNG");
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            IIOReadWarningListener listener = (source, warning) -> warnings.add(warning);
            try {
                reader.setInput(in, true, true);
                reader.addIIOReadWarningListener(listener);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > maxPixels) {
                    throw new ImageFailure(ImageFailure.Step.DECODE, "image declares " + reader.getWidth(0) + "x"
                            + reader.getHeight(0) + " = " + pixels + " pixels, more than the limit of " + maxPixels
                            + "; raise ingest.max-pixels if it is genuine");
                }
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new ImageFailure(ImageFailure.Step.DECODE, "damaged " + reader.getFormatName()
                            + " data: " + String.join("; ", warnings));
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (ImageFailure e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new ImageFailure(ImageFailure.Step.DECODE, "cannot decode image (" + bytes.length + " bytes): "
                    + message, e);
        }
    }

    /** The first bytes, printably, to say what a file that is not an image looks like. */
    private static String signature(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            s.append(String.format(java.util.Locale.ROOT, "%02x", bytes[i] & 0xff));
        }
        return "0x" + s;
    }
}
