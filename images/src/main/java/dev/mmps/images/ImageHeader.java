package dev.mmps.images;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * What the first bytes of a JPEG or PNG file say, read without decoding anything: the size, the
 * channels and whether OpenCV decodes the file as ImageIO would read it (an 8-bit JPEG of one or three
 * channels, baseline or progressive, whose markers are whole and which ends with its end-of-image
 * marker; a PNG of at most 8 bits a sample). A colour JPEG may embed a colour profile other than the
 * standard sRGB one, which ImageIO applies and OpenCV ignores: its header carries the profile, and the
 * decoder applies it after OpenCV (see {@link OpenCvDecoder}). Anything else, a gray JPEG with such a
 * profile among it, and every file that is not JPEG or PNG, is {@code null}: ImageIO decodes it, or says
 * why not.
 *
 * @param jpeg true for a JPEG, false for a PNG
 * @param width declared width
 * @param height declared height
 * @param gray whether ImageIO would read the image as grayscale (one JPEG channel; an 8-bit PNG of colour
 *     type 0 or 4)
 * @param bands samples a pixel as stored (JPEG components; PNG channels, one for a palette), as ImageIO's
 *     memory guard counts them
 * @param profile the embedded ICC profile of a colour JPEG that ImageIO would convert to sRGB, its chunks
 *     joined in order; null when there is none or it is the standard sRGB profile
 */
record ImageHeader(boolean jpeg, int width, int height, boolean gray, int bands, byte[] profile) {

    /** Eight bytes of a file as one long, for scanning compressed data. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The header of a file OpenCV decodes alike, or null. */
    static ImageHeader read(byte[] b) {
        if (b.length >= 4 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8) {
            return jpeg(b);
        }
        if (b.length >= 33 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G' && b[12] == 'I'
                && b[13] == 'H' && b[14] == 'D' && b[15] == 'R') {
            return png(b);
        }
        return null;
    }

    private static ImageHeader png(byte[] b) {
        long width = u32(b, 16);
        long height = u32(b, 20);
        int depth = b[24] & 0xff;
        int colour = b[25] & 0xff;
        boolean interlaceKnown = (b[28] & 0xff) <= 1;
        // Gray PNGs of 1, 2 or 4 bits ImageIO reads with a colour palette (three channels in auto mode).
        boolean gray = colour == 0 || colour == 4;
        if (width < 1 || height < 1 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE || depth > 8
                || (gray && depth < 8) || !interlaceKnown
                || !(colour == 0 || colour == 2 || colour == 3 || colour == 4 || colour == 6)) {
            return null;
        }
        int bands = switch (colour) {
            case 2 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> 1;
        };
        return new ImageHeader(false, (int) width, (int) height, gray, bands, null);
    }

    /**
     * Walks the markers: frame header for the size, APP2 for a colour profile, APP14 for Adobe's
     * colour transform, and the entropy-coded data of each scan up to the next marker, so that a
     * truncated file (no end-of-image marker) or a broken marker goes to ImageIO, which fails it as
     * it always did; libjpeg would fill what is missing with grey and only print a warning.
     */
    private static ImageHeader jpeg(byte[] b) {
        int i = 2;
        int width = -1;
        int height = -1;
        int components = -1;
        java.io.ByteArrayOutputStream profile = null;
        int chunks = 0;
        while (true) {
            if (i >= b.length || (b[i] & 0xff) != 0xff) {
                return null;
            }
            while (i < b.length && (b[i] & 0xff) == 0xff) {
                i++;
            }
            if (i >= b.length) {
                return null;
            }
            int marker = b[i++] & 0xff;
            if (marker == 0xd9) {
                if (width <= 0 || height <= 0) {
                    return null;
                }
                byte[] icc = profile == null ? null : profile.toByteArray();
                if (icc != null && standardSrgb(icc)) {
                    icc = null;
                }
                // ImageIO leaves a gray JPEG's levels as stored whatever its profile says; that stays ImageIO's.
                if (icc != null && components != 3) {
                    return null;
                }
                return new ImageHeader(true, width, height, components == 1, components, icc);
            }
            if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x00 || marker == 0xd8) {
                if (marker == 0x00 || marker == 0xd8) {
                    return null;
                }
                continue;
            }
            if (i + 2 > b.length) {
                return null;
            }
            int length = ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
            if (length < 2 || i + length > b.length) {
                return null;
            }
            int start = i + 2;
            switch (marker) {
                case 0xc0, 0xc1, 0xc2 -> {
                    if (width > 0 || length < 8 || (b[start] & 0xff) != 8) {
                        return null;
                    }
                    height = ((b[start + 1] & 0xff) << 8) | (b[start + 2] & 0xff);
                    width = ((b[start + 3] & 0xff) << 8) | (b[start + 4] & 0xff);
                    components = b[start + 5] & 0xff;
                    if (components != 1 && components != 3) {
                        return null;
                    }
                }
                // Lossless, hierarchical and arithmetic-coded frames: ImageIO's reader decides.
                case 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf -> {
                    return null;
                }
                case 0xe2 -> {
                    // "ICC_PROFILE\0", chunk number, chunk count, then a piece of the profile.
                    if (length >= 16 && new String(b, start, 11, java.nio.charset.StandardCharsets.US_ASCII)
                            .equals("ICC_PROFILE")) {
                        if (profile == null) {
                            profile = new java.io.ByteArrayOutputStream();
                        }
                        // Chunks out of order (or numbered past their count) are ImageIO's to sort out.
                        if ((b[start + 12] & 0xff) != ++chunks || chunks > (b[start + 13] & 0xff)) {
                            return null;
                        }
                        profile.write(b, start + 14, length - 16);
                    }
                }
                default -> {
                }
            }
            i += length;
            if (marker == 0xda) {
                if (width < 0) {
                    return null;
                }
                i = skipEntropyData(b, i);
                if (i < 0) {
                    return null;
                }
            }
        }
    }

    /**
     * Whether an embedded colour profile is the standard sRGB profile (its description "sRGB
     * IEC61966-2.1"), which ImageIO leaves as it is. Every other profile (Adobe RGB, camera profiles,
     * other sRGB variants) makes ImageIO convert the colours: of the 800 ImageNet photographs, 222
     * carry a profile, and the 142 with this one decode to the same pixels with either decoder.
     */
    static boolean standardSrgb(byte[] icc) {
        if (icc.length < 132) {
            return false;
        }
        long tags = u32(icc, 128);
        for (long t = 0; t < tags && 144 + 12 * t <= icc.length; t++) {
            int at = (int) (132 + 12 * t);
            if (icc[at] == 'd' && icc[at + 1] == 'e' && icc[at + 2] == 's' && icc[at + 3] == 'c') {
                long offset = u32(icc, at + 4);
                if (offset + 12 > icc.length || icc[(int) offset] != 'd' || icc[(int) offset + 1] != 'e') {
                    return false;
                }
                long length = u32(icc, (int) offset + 8);
                if (length < 1 || offset + 12 + length > icc.length) {
                    return false;
                }
                String text = new String(icc, (int) offset + 12, (int) length - 1,
                        java.nio.charset.StandardCharsets.ISO_8859_1);
                return text.equals("sRGB IEC61966-2.1");
            }
        }
        return false;
    }

    /** The index of the marker that ends a scan's entropy-coded data, or -1 if the file ends first. */
    static int skipEntropyData(byte[] b, int i) {
        int n = b.length;
        while (i + 1 < n) {
            // Eight bytes at a time while none of them is 0xff (a zero byte of the complement): a 0xff comes about
            // once in 256 bytes of compressed data, so this is most of the file.
            // Stops while a byte and the one after it are left, as the loop's test asks.
            while (i + 9 < n) {
                long x = ~(long) LONGS.get(b, i);
                if (((x - 0x0101010101010101L) & ~x & 0x8080808080808080L) != 0) {
                    break;
                }
                i += 8;
            }
            if ((b[i] & 0xff) != 0xff) {
                i++;
                continue;
            }
            int next = b[i + 1] & 0xff;
            if (next == 0x00 || (next >= 0xd0 && next <= 0xd7)) {
                i += 2;
            } else if (next == 0xff) {
                i++;
            } else {
                return i;
            }
        }
        return -1;
    }

    private static long u32(byte[] b, int at) {
        return ((long) (b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }
}
