package dev.mmps.images;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes image bytes with {@code javax.imageio} (JPEG and PNG, and whatever other readers are on
 * the classpath; TwelveMonkeys' JPEG reader adds CMYK and YCCK JPEGs), strictly: warnings such as
 * "premature end of JPEG file", which ImageIO reports while still returning a half-grey image,
 * fail the image; and the declared size is checked against a pixel limit before any pixels are
 * allocated, so a decompression bomb is refused cheaply. A decoder that throws, or runs out of
 * memory or stack on a hostile file, fails that image only.
 */
public final class ImageDecoder {

    static {
        // ImageIO finds plugins through the context class loader of the first thread that uses it;
        // under spark-submit that may not see the application jar, so look again with ours.
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try {
            thread.setContextClassLoader(ImageDecoder.class.getClassLoader());
            ImageIO.scanForPlugins();
            // The bytes are in memory already: without this, ImageIO copies every image into a
            // temporary file first (create, write, seek, delete: about 90 system calls an image).
            ImageIO.setUseCache(false);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** The pixel limit of {@code ingest.max-pixels} when nothing else is set: 100 million, a 10000x10000 image. */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;

    /** The share of the heap one image's decoding may take. */
    private static final double DECODE_HEAP_SHARE = 0.25;

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
            IIOReadWarningListener listener = (source, warning) -> {
                if (!benign(warning)) {
                    warnings.add(warning);
                }
            };
            try {
                reader.setInput(in, true, true);
                reader.addIIOReadWarningListener(listener);
                checkPixels(reader.getWidth(0), reader.getHeight(0), maxPixels);
                checkMemory(reader);
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
        } catch (OutOfMemoryError | StackOverflowError e) {
            // One image's allocation or recursion failed; the memory it asked for was never taken.
            throw new ImageFailure(ImageFailure.Step.DECODE, "the decoder crashed on this file (" + bytes.length
                    + " bytes) with " + e.getClass().getSimpleName() + "; lower ingest.max-pixels or give the "
                    + "executors more memory if it is a genuine image", e);
        }
    }

    /**
     * Warnings about colour profiles (an ICC profile of an unusual rendering class, which the
     * reader corrects or ignores; a CMYK image without one, converted with a generic profile) say
     * nothing about damaged pixels; every other warning does.
     */
    private static boolean benign(String warning) {
        return warning != null && warning.contains("ICC");
    }

    /** Refuses an image that declares more than {@code maxPixels} pixels, before any are allocated. */
    static void checkPixels(int width, int height, long maxPixels) throws ImageFailure {
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new ImageFailure(ImageFailure.Step.DECODE, "image declares " + width + "x" + height + " = " + pixels
                    + " pixels, more than the limit of " + maxPixels + "; raise ingest.max-pixels if it is genuine");
        }
    }

    private static void checkMemory(ImageReader reader) throws IOException, ImageFailure {
        ImageTypeSpecifier raw = reader.getRawImageType(0);
        long bytesPerPixel = 4;
        if (raw != null) {
            var model = raw.getSampleModel();
            bytesPerPixel = (long) model.getNumBands() * DataBuffer.getDataTypeSize(model.getDataType()) / 8;
        }
        checkMemory(reader.getWidth(0), reader.getHeight(0), bytesPerPixel);
    }

    /**
     * Refuses an image whose decoded raster (and the RGB copy made of it) would take more than a
     * quarter of this JVM's heap: a 16-bit RGBA PNG of 9000 x 9000 passes the pixel limit but needs
     * 1 GB, which would take an executor down with every image it holds.
     */
    static void checkMemory(int width, int height, long bytesPerPixel) throws ImageFailure {
        long needed = (long) width * height * (bytesPerPixel + 4);
        long allowed = (long) (Runtime.getRuntime().maxMemory() * DECODE_HEAP_SHARE);
        if (needed > allowed) {
            throw new ImageFailure(ImageFailure.Step.DECODE, String.format(java.util.Locale.ROOT,
                    "decoding this %dx%d image would take %.0f MB, more than a quarter of the %.0f MB heap; give the "
                    + "executors more memory (spark.executor.memory) if it is genuine", width, height, needed / 1e6,
                    Runtime.getRuntime().maxMemory() / 1e6));
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
