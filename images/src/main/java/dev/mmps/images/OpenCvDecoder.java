package dev.mmps.images;

import com.twelvemonkeys.imageio.color.ColorSpaces;
import dev.mmps.tensor.layout.ImageShape;
import java.awt.color.CMMException;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.color.ProfileDataException;
import java.awt.image.ColorConvertOp;
import java.awt.image.DataBufferByte;
import java.awt.image.ImagingOpException;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JPEG and PNG decoding with OpenCV ({@code org.openpnp:opencv}, libjpeg-turbo and libpng inside),
 * for the files whose {@link ImageHeader} says it reads them as ImageIO would. A JPEG is decoded at
 * 1/2, 1/4 or 1/8 of its size in the DCT domain when what remains still covers the target size, then
 * scaled to cover the target with area averaging (enlarged with bicubic interpolation) and cropped
 * about the centre, on the same pixel grid as the ImageIO path. EXIF orientation is ignored, as ImageIO ignores it; OpenCV's BGR
 * order becomes RGB here. Where the machine has its own libjpeg-turbo ({@link TurboJpeg}), JPEGs decode with it: the
 * same pixels, with SIMD.
 *
 * <p>A colour JPEG with an embedded profile other than sRGB is converted to sRGB as ImageIO's JPEG reader
 * (TwelveMonkeys') converts it, with the same colour space built from the profile and Java2D's colour
 * management, but after the resize, on the target's pixels instead of the full image's. Converting after
 * averaging differs from averaging after converting only where neighbouring colours differ, by less than
 * the two decoders' resize filters differ (measured in {@code OpenCvDecoderTest}).
 */
final class OpenCvDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(OpenCvDecoder.class);

    /** The reductions libjpeg can decode at, largest first. */
    private static final int[] REDUCTIONS = {8, 4, 2};

    /** Colour profiles whose conversion each thread keeps: a corpus uses few (Adobe RGB, a few cameras'). */
    private static final int PROFILES_KEPT = 8;

    /**
     * Each thread's conversions from embedded profiles to sRGB, the most recently used kept: building one parses
     * the profile and its colour transform, which costs more than converting a 224x224 image.
     */
    private static final ThreadLocal<Map<ByteBuffer, ColorConvertOp>> CONVERSIONS =
            ThreadLocal.withInitial(() -> new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<ByteBuffer, ColorConvertOp> eldest) {
                    return size() > PROFILES_KEPT;
                }
            });

    private OpenCvDecoder() {}

    /** Whether OpenCV's native library loaded in this JVM; null if it did, else why not. */
    private static final class Native {
        static final String FAILURE = load();

        private static String load() {
            try {
                nu.pattern.OpenCV.loadLocally();
                // Spark gives each task a core: OpenCV's own thread pool would only contend with it.
                Core.setNumThreads(1);
                LOG.info("Decoder: OpenCV {} (libjpeg-turbo) for JPEG and PNG, ImageIO for the rest", Core.VERSION);
                return null;
            } catch (Throwable e) {
                String reason = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                LOG.warn("Decoder: OpenCV's native library does not load on this machine ({}); decoding with ImageIO, "
                        + "which is about half as fast on photographs", reason);
                return reason;
            }
        }
    }

    /** Loads the native library once; null if it loaded, else why not. */
    static String loadFailure() {
        return Native.FAILURE;
    }

    static boolean available() {
        return Native.FAILURE == null;
    }

    /**
     * The size the whole image is scaled to before the centre crop, as the ImageIO path scales it:
     * the scale that makes the image cover the target ({@code max(tw / w, th / h)}), each side rounded.
     *
     * @return {@code {width, height}}
     */
    static int[] coverSize(int width, int height, int targetHeight, int targetWidth) {
        double scale = Math.max((double) targetWidth / width, (double) targetHeight / height);
        return new int[] {Math.max(targetWidth, (int) Math.round(width * scale)),
            Math.max(targetHeight, (int) Math.round(height * scale))};
    }

    /**
     * The largest reduction (1, 2, 4 or 8) whose decoded image, {@code ceil(side / k)} on each side as
     * libjpeg makes it, is still at least the {@link #coverSize} the resize needs, so that the resize
     * only shrinks (or keeps) it, as it would shrink the full image. 1 when there is no target.
     */
    static int reduction(int width, int height, int targetHeight, int targetWidth) {
        if (targetHeight <= 0) {
            return 1;
        }
        int[] cover = coverSize(width, height, targetHeight, targetWidth);
        for (int k : REDUCTIONS) {
            if ((width + k - 1) / k >= cover[0] && (height + k - 1) / k >= cover[1]) {
                return k;
            }
        }
        return 1;
    }

    /**
     * Decodes, resizes and crops; null when OpenCV cannot decode the bytes (the caller then asks ImageIO,
     * which says why).
     */
    static DecodedImage decode(byte[] bytes, ImageHeader header, Preprocess preprocess) {
        boolean gray = switch (preprocess.channels()) {
            case GRAY -> true;
            case RGB -> false;
            case AUTO -> header.gray();
        };
        ColorConvertOp convert = null;
        if (header.profile() != null) {
            convert = gray ? null : conversion(header.profile());
            if (convert == null) {
                // Gray levels of a converted image, or a profile Java2D does not take: ImageIO's reader decides.
                return null;
            }
        }
        int k = header.jpeg() ? reduction(header.width(), header.height(), preprocess.height(), preprocess.width()) : 1;
        Mat decoded = header.jpeg() && TurboJpeg.available()
                ? TurboJpeg.decode(bytes, header.width(), header.height(), k, gray) : null;
        if (decoded == null) {
            decoded = imdecode(bytes, k, gray);
        }
        int channels = gray ? 1 : 3;
        if (decoded.empty() || decoded.channels() != channels || decoded.depth() != CvType.CV_8U) {
            decoded.release();
            return null;
        }
        return finish(decoded, header.width(), header.height(), preprocess, convert);
    }

    /**
     * OpenCV's own decoding, at {@code 1 / reduction} of the size (1, 2, 4 or 8) for a JPEG, to BGR or gray levels,
     * EXIF orientation ignored; an empty image when OpenCV cannot decode the bytes.
     */
    static Mat imdecode(byte[] bytes, int reduction, boolean gray) {
        int flags = Imgcodecs.IMREAD_IGNORE_ORIENTATION | switch (reduction) {
            case 2 -> gray ? Imgcodecs.IMREAD_REDUCED_GRAYSCALE_2 : Imgcodecs.IMREAD_REDUCED_COLOR_2;
            case 4 -> gray ? Imgcodecs.IMREAD_REDUCED_GRAYSCALE_4 : Imgcodecs.IMREAD_REDUCED_COLOR_4;
            case 8 -> gray ? Imgcodecs.IMREAD_REDUCED_GRAYSCALE_8 : Imgcodecs.IMREAD_REDUCED_COLOR_8;
            default -> gray ? Imgcodecs.IMREAD_GRAYSCALE : Imgcodecs.IMREAD_COLOR;
        };
        MatOfByte encoded = new MatOfByte(bytes);
        try {
            return Imgcodecs.imdecode(encoded, flags);
        } finally {
            encoded.release();
        }
    }

    /**
     * The conversion of pixels in the colour space of an embedded profile to sRGB, as ImageIO's JPEG reader builds
     * it; null when Java2D cannot build it or the profile is not of three components.
     */
    private static ColorConvertOp conversion(byte[] profile) {
        Map<ByteBuffer, ColorConvertOp> kept = CONVERSIONS.get();
        ByteBuffer key = ByteBuffer.wrap(profile);
        ColorConvertOp op = kept.get(key);
        if (op == null) {
            try {
                ICC_ColorSpace source = ColorSpaces.createColorSpace(ICC_Profile.getInstance(profile));
                if (source.getNumComponents() != 3) {
                    return null;
                }
                op = new ColorConvertOp(source, ColorSpace.getInstance(ColorSpace.CS_sRGB), null);
            } catch (CMMException | ProfileDataException | IllegalArgumentException e) {
                // A damaged or unusual profile: ImageIO's reader decides what it makes of it, as before.
                return null;
            }
            kept.put(key, op);
        }
        return op;
    }

    /**
     * 8-bit gray levels, row-major (an IDX image), through the same resize as a decoded file; repeated
     * into three channels for channel mode rgb.
     */
    static DecodedImage fromGray(int rows, int cols, byte[] levels, Preprocess preprocess) {
        Mat gray = new Mat(rows, cols, CvType.CV_8UC1);
        gray.put(0, 0, levels);
        if (preprocess.channels() != ChannelMode.RGB) {
            return finish(gray, cols, rows, preprocess, null);
        }
        Mat colour = new Mat();
        try {
            Imgproc.cvtColor(gray, colour, Imgproc.COLOR_GRAY2BGR);
        } finally {
            gray.release();
        }
        return finish(colour, cols, rows, preprocess, null);
    }

    /**
     * Scales a decoded image (of the full size {@code width x height}, or reduced) to cover the target and
     * crops the centre, then reads the pixels, converted by {@code convert} unless it is null; releases the
     * image. Null when the conversion fails on the pixels.
     */
    private static DecodedImage finish(Mat decoded, int width, int height, Preprocess preprocess,
            ColorConvertOp convert) {
        int channels = decoded.channels();
        Mat scaled = null;
        Mat cropped = null;
        try {
            if (!preprocess.resizes()) {
                return pixels(decoded, channels, convert);
            }
            int[] cover = coverSize(width, height, preprocess.height(), preprocess.width());
            scaled = new Mat();
            boolean shrinks = cover[0] <= decoded.cols() && cover[1] <= decoded.rows();
            Imgproc.resize(decoded, scaled, new Size(cover[0], cover[1]), 0, 0,
                    shrinks ? Imgproc.INTER_AREA : Imgproc.INTER_CUBIC);
            cropped = scaled.submat(new Rect((cover[0] - preprocess.width()) / 2, (cover[1] - preprocess.height()) / 2,
                    preprocess.width(), preprocess.height())).clone();
            return pixels(cropped, channels, convert);
        } finally {
            for (Mat m : new Mat[] {decoded, scaled, cropped}) {
                if (m != null) {
                    m.release();
                }
            }
        }
    }

    private static DecodedImage pixels(Mat mat, int channels, ColorConvertOp convert) {
        int h = mat.rows();
        int w = mat.cols();
        byte[] data = new byte[h * w * channels];
        mat.get(0, 0, data);
        if (convert != null) {
            data = converted(data, w, h, convert);
            if (data == null) {
                return null;
            }
        }
        float[] p = channels == 1 ? Preprocess.fromGrayBytes(data, h * w) : Preprocess.fromBgrBytes(data, h * w);
        return new DecodedImage(new ImageShape(h, w, channels), p);
    }

    /** Interleaved BGR bytes converted by {@code convert}, in the same order; null if Java2D fails on them. */
    private static byte[] converted(byte[] bgr, int w, int h, ColorConvertOp convert) {
        int[] rgbOffsets = {2, 1, 0};
        byte[] out = new byte[bgr.length];
        try {
            Raster source = Raster.createInterleavedRaster(new DataBufferByte(bgr, bgr.length), w, h, 3 * w, 3,
                    rgbOffsets, null);
            WritableRaster target = Raster.createInterleavedRaster(new DataBufferByte(out, out.length), w, h, 3 * w, 3,
                    rgbOffsets, null);
            convert.filter(source, target);
        } catch (CMMException | ImagingOpException e) {
            return null;
        }
        return out;
    }
}
