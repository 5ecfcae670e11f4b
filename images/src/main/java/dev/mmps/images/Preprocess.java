package dev.mmps.images;

import dev.mmps.tensor.layout.ImageShape;
import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.Serializable;
import net.coobird.thumbnailator.Thumbnails;
import net.coobird.thumbnailator.geometry.Positions;

/**
 * Turns a decoded image into HWC float pixels: channels per {@link ChannelMode}, and, when a size
 * is set, the shorter side scaled to cover it and the centre cropped. With OpenCV ({@link
 * DecoderChoice}), JPEGs are decoded at a reduced size in the DCT domain when the target allows it
 * and resized by area averaging; with ImageIO (and for the files OpenCV does not read alike, see
 * {@link ImageHeader}), Thumbnailator resizes, downscaling in steps so large photographs do not alias.
 *
 * @param height target height, or 0 to keep the image's own size
 * @param width target width, or 0 to keep the image's own size
 * @param channels channel handling
 * @param maxPixels decompression-bomb guard, checked on the header before any pixel is allocated
 * @param decoder which decoder reads JPEG and PNG files
 */
public record Preprocess(int height, int width, ChannelMode channels, long maxPixels, DecoderChoice decoder)
        implements Serializable {

    /** {@code level / 255f} for every byte level: a lookup gives the same floats as the division, faster. */
    private static final float[] LEVELS = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            LEVELS[v] = v / 255f;
        }
    }

    /** With the {@link DecoderChoice#AUTO automatic} decoder. */
    public Preprocess(int height, int width, ChannelMode channels, long maxPixels) {
        this(height, width, channels, maxPixels, DecoderChoice.AUTO);
    }

    public Preprocess {
        if (height < 0 || width < 0 || (height == 0) != (width == 0)) {
            throw new IllegalArgumentException("target size " + height + "x" + width
                    + " is invalid: give both sides as positive numbers, or neither");
        }
        if (channels == null) {
            throw new IllegalArgumentException("channel mode is null; use auto, rgb or gray");
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("pixel limit " + maxPixels + " is invalid: it must be at least 1");
        }
        if (decoder == null) {
            throw new IllegalArgumentException("decoder is null; use auto, opencv or imageio");
        }
    }

    /**
     * Whether this JVM decodes with OpenCV: {@code auto} when its native library loads, {@code opencv}
     * always (its library failing to load is then an error of the installation, not of an image).
     *
     * @throws IllegalStateException for {@code opencv} where the native library does not load
     */
    public boolean usesOpenCv() {
        return switch (decoder) {
            case IMAGEIO -> false;
            case AUTO -> OpenCvDecoder.available();
            case OPENCV -> {
                String failure = OpenCvDecoder.loadFailure();
                if (failure != null) {
                    throw new IllegalStateException("decoder = opencv, but OpenCV's native library does not load on "
                            + "this machine (" + failure + "); use decoder = auto or imageio");
                }
                yield true;
            }
        };
    }

    /** Why OpenCV's native library does not load in this JVM, or null if it does. */
    public static String openCvLoadFailure() {
        return OpenCvDecoder.loadFailure();
    }

    /**
     * The scale, 1, 2, 4 or 8, at which OpenCV decodes a JPEG of this size in the DCT domain for this
     * target: the largest whose decoded image still covers what the resize needs; 1 without a target.
     */
    public int jpegReduction(int imageWidth, int imageHeight) {
        return OpenCvDecoder.reduction(imageWidth, imageHeight, height, width);
    }

    /** The decoder this JVM uses: {@code opencv} or {@code imageio}. */
    public String decoderInUse() {
        return usesOpenCv() ? DecoderChoice.OPENCV.label() : DecoderChoice.IMAGEIO.label();
    }

    public boolean resizes() {
        return height > 0;
    }

    /** Decodes and preprocesses one file's bytes. */
    public DecodedImage apply(byte[] bytes) throws ImageFailure {
        if (bytes != null && bytes.length > 0 && usesOpenCv()) {
            ImageHeader header = ImageHeader.read(bytes);
            if (header != null) {
                ImageDecoder.checkPixels(header.width(), header.height(), maxPixels);
                ImageDecoder.checkMemory(header.width(), header.height(), header.bands());
                DecodedImage image = OpenCvDecoder.decode(bytes, header, this);
                if (image != null) {
                    return image;
                }
            }
        }
        return apply(ImageDecoder.decode(bytes, maxPixels));
    }

    /**
     * Preprocesses an image of 8-bit gray levels given as bytes, row-major (an IDX image of MNIST or
     * Fashion-MNIST), exactly as a decoded file of the same pixels: channel mode and size apply alike.
     */
    public DecodedImage applyGray(int rows, int cols, byte[] levels) throws ImageFailure {
        if (rows < 1 || cols < 1 || levels.length != rows * cols) {
            throw new IllegalArgumentException("a " + rows + "x" + cols + " gray image needs " + ((long) rows * cols)
                    + " bytes, not " + levels.length);
        }
        if (usesOpenCv()) {
            return OpenCvDecoder.fromGray(rows, cols, levels, this);
        }
        BufferedImage image = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
        System.arraycopy(levels, 0, ((java.awt.image.DataBufferByte) image.getRaster().getDataBuffer()).getData(), 0,
                levels.length);
        return apply(image);
    }

    public DecodedImage apply(BufferedImage image) throws ImageFailure {
        boolean gray = switch (channels) {
            case GRAY -> true;
            case RGB -> false;
            case AUTO -> isGray(image);
        };
        if (!resizes()) {
            DecodedImage direct = direct(image, gray);
            if (direct != null) {
                return direct;
            }
        }
        BufferedImage normalized = normalize(image, gray);
        return gray ? grayPixels(normalized) : rgbPixels(normalized);
    }

    /**
     * The image in the colour model of its channel mode, resized when a size is set: Java2D's and
     * Thumbnailator's work on the decoded image, whose failures on an unusual colour model or raster
     * belong to that image.
     */
    private BufferedImage normalize(BufferedImage image, boolean gray) throws ImageFailure {
        try {
            BufferedImage normalized = gray ? toGray(image) : toRgb(image);
            if (resizes()) {
                normalized = Thumbnails.of(normalized).size(width, height).crop(Positions.CENTER)
                        .imageType(gray ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB)
                        .asBufferedImage();
            }
            return normalized;
        } catch (IOException | RuntimeException e) {
            throw new ImageFailure(ImageFailure.Step.PREPROCESS, "cannot convert or resize a " + image.getWidth() + "x"
                    + image.getHeight() + " image: " + e.getMessage(), e);
        }
    }

    /**
     * The pixels of the two types JPEG decoding gives (interleaved BGR bytes, gray bytes) read
     * straight from the raster; null for other types, which take the general path.
     */
    private static DecodedImage direct(BufferedImage image, boolean gray) {
        int h = image.getHeight();
        int w = image.getWidth();
        if (!(image.getRaster().getDataBuffer() instanceof java.awt.image.DataBufferByte buffer)
                || image.getRaster().getParent() != null) {
            return null;
        }
        byte[] data = buffer.getData();
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR && !gray && data.length == h * w * 3) {
            return new DecodedImage(new ImageShape(h, w, 3), fromBgrBytes(data, h * w));
        }
        if (image.getType() == BufferedImage.TYPE_BYTE_GRAY && gray && data.length == h * w) {
            return new DecodedImage(new ImageShape(h, w, 1), fromGrayBytes(data, h * w));
        }
        return null;
    }

    /** RGB floats on the [0, 1] scale from {@code pixels} interleaved BGR bytes (OpenCV's and Java2D's order). */
    static float[] fromBgrBytes(byte[] data, int pixels) {
        float[] p = new float[pixels * 3];
        for (int i = 0; i < p.length; i += 3) {
            p[i] = LEVELS[data[i + 2] & 0xff];
            p[i + 1] = LEVELS[data[i + 1] & 0xff];
            p[i + 2] = LEVELS[data[i] & 0xff];
        }
        return p;
    }

    /** Gray floats on the [0, 1] scale from {@code pixels} bytes. */
    static float[] fromGrayBytes(byte[] data, int pixels) {
        float[] p = new float[pixels];
        for (int i = 0; i < pixels; i++) {
            p[i] = LEVELS[data[i] & 0xff];
        }
        return p;
    }

    private static boolean isGray(BufferedImage image) {
        return image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY;
    }

    /** Gray levels read from the raster: no colour-space conversion, so values stay as stored. */
    private static BufferedImage toGray(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            return image;
        }
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        if (isGray(image)) {
            Raster raster = image.getRaster();
            double max = (1L << image.getColorModel().getComponentSize(0)) - 1;
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    int v = (int) Math.round(raster.getSampleDouble(x, y, 0) / max * 255);
                    out.getRaster().setSample(x, y, 0, v);
                }
            }
            return out;
        }
        int[] argb = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = argb[y * image.getWidth() + x];
                double luma = 0.299 * ((p >> 16) & 0xff) + 0.587 * ((p >> 8) & 0xff) + 0.114 * (p & 0xff);
                out.getRaster().setSample(x, y, 0, (int) Math.round(luma));
            }
        }
        return out;
    }

    private static BufferedImage toRgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_RGB) {
            return image;
        }
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        if (isGray(image)) {
            BufferedImage gray = toGray(image);
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    int v = gray.getRaster().getSample(x, y, 0);
                    out.setRGB(x, y, (v << 16) | (v << 8) | v);
                }
            }
            return out;
        }
        int[] rgb = ((java.awt.image.DataBufferInt) out.getRaster().getDataBuffer()).getData();
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR && image.getRaster().getParent() == null
                && image.getRaster().getDataBuffer() instanceof java.awt.image.DataBufferByte buffer
                && buffer.getData().length == rgb.length * 3) {
            // What a converted JPEG comes as: sRGB bytes, packed here without a colour model per pixel.
            byte[] bgr = buffer.getData();
            for (int i = 0; i < rgb.length; i++) {
                rgb[i] = (bgr[3 * i + 2] & 0xff) << 16 | (bgr[3 * i + 1] & 0xff) << 8 | bgr[3 * i] & 0xff;
            }
            return out;
        }
        // Alpha is dropped: the colour channels are kept as stored, not composited.
        int[] argb = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        out.setRGB(0, 0, image.getWidth(), image.getHeight(), argb, 0, image.getWidth());
        return out;
    }

    private static DecodedImage rgbPixels(BufferedImage image) {
        int h = image.getHeight();
        int w = image.getWidth();
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        float[] p = new float[h * w * 3];
        for (int i = 0; i < h * w; i++) {
            int v = argb[i];
            p[3 * i] = LEVELS[(v >> 16) & 0xff];
            p[3 * i + 1] = LEVELS[(v >> 8) & 0xff];
            p[3 * i + 2] = LEVELS[v & 0xff];
        }
        return new DecodedImage(new ImageShape(h, w, 3), p);
    }

    private static DecodedImage grayPixels(BufferedImage image) {
        int h = image.getHeight();
        int w = image.getWidth();
        float[] p = new float[h * w];
        Raster raster = image.getRaster();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                p[y * w + x] = raster.getSample(x, y, 0) / 255f;
            }
        }
        return new DecodedImage(new ImageShape(h, w, 1), p);
    }

    /** Draws the pixels back into an image, for PNG output. */
    public static BufferedImage toImage(ImageShape shape, float[] pixels) {
        int h = shape.height();
        int w = shape.width();
        boolean gray = shape.channels() == 1;
        BufferedImage out = new BufferedImage(w, h, gray ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int base = (y * w + x) * shape.channels();
                if (gray) {
                    out.getRaster().setSample(x, y, 0, quantize(pixels[base]));
                } else {
                    int r = quantize(pixels[base]);
                    int g = quantize(pixels[base + 1]);
                    int b = quantize(pixels[base + 2]);
                    out.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
        }
        return out;
    }

    /** Places images side by side with a small gap, for "original beside reconstruction". */
    public static BufferedImage sideBySide(BufferedImage left, BufferedImage right) {
        int gap = 4;
        BufferedImage out = new BufferedImage(left.getWidth() + gap + right.getWidth(),
                Math.max(left.getHeight(), right.getHeight()), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.drawImage(left, 0, 0, null);
        g.drawImage(right, left.getWidth() + gap, 0, null);
        g.dispose();
        return out;
    }

    private static int quantize(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255)));
    }
}
