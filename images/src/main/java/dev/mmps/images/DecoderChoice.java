package dev.mmps.images;

import java.util.Locale;

/** Which decoder turns JPEG and PNG files into pixels ({@code ingest.decoder}). */
public enum DecoderChoice {
    /** OpenCV when its native library loads on this machine, ImageIO otherwise (said once in the log). */
    AUTO,
    /**
     * OpenCV (libjpeg-turbo and libpng): reduced decoding in the DCT domain when the target size
     * allows it, area resizing. Files it does not handle the way ImageIO does (CMYK and YCCK JPEGs,
     * 16-bit PNGs, embedded colour profiles, damaged files) still go to ImageIO.
     */
    OPENCV,
    /** {@code javax.imageio} with TwelveMonkeys' JPEG reader, and Thumbnailator's resizing, for every file. */
    IMAGEIO;

    public static DecoderChoice parse(String text) {
        if (text != null) {
            for (DecoderChoice d : values()) {
                if (d.name().equalsIgnoreCase(text.trim())) {
                    return d;
                }
            }
        }
        throw new IllegalArgumentException("decoder '" + text + "' is unknown: use auto, opencv or imageio");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
