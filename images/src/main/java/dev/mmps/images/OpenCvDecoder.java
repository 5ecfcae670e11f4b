package dev.mmps.images;

import dev.mmps.tensor.layout.ImageShape;
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
 * order becomes RGB here.
 */
final class OpenCvDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(OpenCvDecoder.class);

    /** The reductions libjpeg can decode at, largest first. */
    private static final int[] REDUCTIONS = {8, 4, 2};

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
        int k = header.jpeg() ? reduction(header.width(), header.height(), preprocess.height(), preprocess.width()) : 1;
        int flags = Imgcodecs.IMREAD_IGNORE_ORIENTATION | switch (k) {
            case 2 -> gray ? Imgcodecs.IMREAD_REDUCED_GRAYSCALE_2 : Imgcodecs.IMREAD_REDUCED_COLOR_2;
            case 4 -> gray ? Imgcodecs.IMREAD_REDUCED_GRAYSCALE_4 : Imgcodecs.IMREAD_REDUCED_COLOR_4;
            case 8 -> gray ? Imgcodecs.IMREAD_REDUCED_GRAYSCALE_8 : Imgcodecs.IMREAD_REDUCED_COLOR_8;
            default -> gray ? Imgcodecs.IMREAD_GRAYSCALE : Imgcodecs.IMREAD_COLOR;
        };
        MatOfByte encoded = new MatOfByte(bytes);
        Mat decoded;
        try {
            decoded = Imgcodecs.imdecode(encoded, flags);
        } finally {
            encoded.release();
        }
        int channels = gray ? 1 : 3;
        if (decoded.empty() || decoded.channels() != channels || decoded.depth() != CvType.CV_8U) {
            decoded.release();
            return null;
        }
        return finish(decoded, header.width(), header.height(), preprocess);
    }

    /**
     * 8-bit gray levels, row-major (an IDX image), through the same resize as a decoded file; repeated
     * into three channels for channel mode rgb.
     */
    static DecodedImage fromGray(int rows, int cols, byte[] levels, Preprocess preprocess) {
        Mat gray = new Mat(rows, cols, CvType.CV_8UC1);
        gray.put(0, 0, levels);
        if (preprocess.channels() != ChannelMode.RGB) {
            return finish(gray, cols, rows, preprocess);
        }
        Mat colour = new Mat();
        try {
            Imgproc.cvtColor(gray, colour, Imgproc.COLOR_GRAY2BGR);
        } finally {
            gray.release();
        }
        return finish(colour, cols, rows, preprocess);
    }

    /**
     * Scales a decoded image (of the full size {@code width x height}, or reduced) to cover the target and
     * crops the centre, then reads the pixels; releases the image.
     */
    private static DecodedImage finish(Mat decoded, int width, int height, Preprocess preprocess) {
        int channels = decoded.channels();
        Mat scaled = null;
        Mat cropped = null;
        try {
            if (!preprocess.resizes()) {
                return pixels(decoded, channels);
            }
            int[] cover = coverSize(width, height, preprocess.height(), preprocess.width());
            scaled = new Mat();
            boolean shrinks = cover[0] <= decoded.cols() && cover[1] <= decoded.rows();
            Imgproc.resize(decoded, scaled, new Size(cover[0], cover[1]), 0, 0,
                    shrinks ? Imgproc.INTER_AREA : Imgproc.INTER_CUBIC);
            cropped = scaled.submat(new Rect((cover[0] - preprocess.width()) / 2, (cover[1] - preprocess.height()) / 2,
                    preprocess.width(), preprocess.height())).clone();
            return pixels(cropped, channels);
        } finally {
            for (Mat m : new Mat[] {decoded, scaled, cropped}) {
                if (m != null) {
                    m.release();
                }
            }
        }
    }

    private static DecodedImage pixels(Mat mat, int channels) {
        int h = mat.rows();
        int w = mat.cols();
        byte[] data = new byte[h * w * channels];
        mat.get(0, 0, data);
        float[] p = channels == 1 ? Preprocess.fromGrayBytes(data, h * w) : Preprocess.fromBgrBytes(data, h * w);
        return new DecodedImage(new ImageShape(h, w, channels), p);
    }
}
