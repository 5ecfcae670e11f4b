package dev.mmps.tensor.layout;

/**
 * Height, width and channel count of an image whose pixels are stored row-major as
 * {@code [y][x][c]} (HWC), the layout every part of mmps uses.
 */
public record ImageShape(int height, int width, int channels) implements java.io.Serializable {

    /** Images larger than this many values do not fit a Java array once padded. */
    public static final long MAX_VALUES = 1L << 30;

    public ImageShape {
        requirePositive("height", height);
        requirePositive("width", width);
        requirePositive("channels", channels);
        long values = (long) height * width * channels;
        if (values > MAX_VALUES) {
            throw new IllegalArgumentException("image " + height + "x" + width + "x" + channels + " holds " + values
                    + " values, more than the limit of " + MAX_VALUES + "; resize it first (for example --size 224x224)");
        }
    }

    private static void requirePositive(String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("image " + what + " " + value + " is invalid: it must be at least 1");
        }
    }

    /** {@code height * width * channels}. */
    public int values() {
        return height * width * channels;
    }

    /** Checks that {@code pixels} holds exactly this shape's values, all finite. */
    public void requireMatches(float[] pixels) {
        if (pixels == null) {
            throw new IllegalArgumentException("pixels are null; pass a float array of " + values() + " values for "
                    + this);
        }
        if (pixels.length != values()) {
            throw new IllegalArgumentException("pixel array has " + pixels.length + " values but shape " + this
                    + " needs " + values() + "; pass the shape the array was decoded with");
        }
        if (allFinite(pixels)) {
            return;
        }
        for (int i = 0; i < pixels.length; i++) {
            if (!Float.isFinite(pixels[i])) {
                int c = i % channels;
                int x = (i / channels) % width;
                int y = i / channels / width;
                throw new IllegalArgumentException("pixel (y=" + y + ", x=" + x + ", c=" + c + ") is " + pixels[i]
                        + ": every value must be finite; replace NaN and infinity before compressing");
            }
        }
    }

    /**
     * Whether every value is finite, without a branch per value: {@code v * 0} is zero for a finite value and NaN for
     * NaN or an infinity, and eight independent sums keep the adds in flight (about twice as fast as testing each value
     * on a 224x224x3 image).
     */
    private static boolean allFinite(float[] v) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        float s4 = 0;
        float s5 = 0;
        float s6 = 0;
        float s7 = 0;
        int i = 0;
        for (; i + 8 <= v.length; i += 8) {
            s0 += v[i] * 0f;
            s1 += v[i + 1] * 0f;
            s2 += v[i + 2] * 0f;
            s3 += v[i + 3] * 0f;
            s4 += v[i + 4] * 0f;
            s5 += v[i + 5] * 0f;
            s6 += v[i + 6] * 0f;
            s7 += v[i + 7] * 0f;
        }
        for (; i < v.length; i++) {
            s0 += v[i] * 0f;
        }
        return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7 == 0f;
    }

    /** Parses {@code HxW} or {@code HxWxC} (channels default to 1). */
    public static ImageShape parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("image shape is null; write it as HxW or HxWxC, for example 32x32x3");
        }
        String[] parts = text.trim().toLowerCase(java.util.Locale.ROOT).split("x");
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("image shape '" + text
                    + "' is malformed: write it as HxW or HxWxC, for example 32x32x3");
        }
        try {
            int h = Integer.parseInt(parts[0].trim());
            int w = Integer.parseInt(parts[1].trim());
            int c = parts.length == 3 ? Integer.parseInt(parts[2].trim()) : 1;
            return new ImageShape(h, w, c);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("image shape '" + text
                    + "' is malformed: write it as HxW or HxWxC with whole numbers, for example 32x32x3", e);
        }
    }

    @Override
    public String toString() {
        return height + "x" + width + "x" + channels;
    }
}
