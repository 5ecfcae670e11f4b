package dev.mmps.images;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * The IDX files of MNIST and Fashion-MNIST: {@code *-images-idx3-ubyte[.gz]} holds a big-endian
 * header (magic {@code 0x00000803}, count, rows, columns) and then one unsigned byte per pixel;
 * the matching {@code *-labels-idx1-ubyte[.gz]} holds magic {@code 0x00000801}, count, then one
 * byte per label.
 */
public final class IdxFormat {

    public static final int IMAGES_MAGIC = 0x00000803;
    public static final int LABELS_MAGIC = 0x00000801;
    public static final int IMAGES_HEADER_BYTES = 16;
    public static final int LABELS_HEADER_BYTES = 8;

    private IdxFormat() {}

    /** Image count and size from an images file's header. */
    public record Header(int count, int rows, int cols) implements java.io.Serializable {}

    /** Whether a file name looks like an IDX images file. */
    public static boolean isImagesFile(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith("-images-idx3-ubyte") || n.endsWith("-images-idx3-ubyte.gz")
                || n.endsWith("-images.idx3-ubyte") || n.endsWith("-images.idx3-ubyte.gz");
    }

    /** The labels file name that belongs to an images file name. */
    public static String labelsFileFor(String imagesName) {
        return imagesName.replace("-images-idx3-", "-labels-idx1-").replace("-images.idx3-", "-labels.idx1-");
    }

    /** Wraps a raw file stream, decompressing {@code .gz} files. */
    public static InputStream open(InputStream raw, String name) throws IOException {
        InputStream buffered = new BufferedInputStream(raw, 1 << 16);
        return name.toLowerCase(Locale.ROOT).endsWith(".gz") ? new GZIPInputStream(buffered, 1 << 16) : buffered;
    }

    /** A file named as IDX whose header is not one: the input's fault, not a failure to read it. */
    public static final class MalformedIdxException extends IOException {
        private static final long serialVersionUID = 1L;

        MalformedIdxException(String message) {
            super(message);
        }
    }

    /** @throws MalformedIdxException if the header is not an IDX images header */
    public static Header readImagesHeader(InputStream in, String name) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int magic = data.readInt();
        if (magic != IMAGES_MAGIC) {
            throw new MalformedIdxException(name + " is not an IDX images file: magic number 0x"
                    + Integer.toHexString(magic) + ", expected 0x00000803");
        }
        Header header = new Header(data.readInt(), data.readInt(), data.readInt());
        if (header.count() < 0 || header.rows() < 1 || header.cols() < 1) {
            throw new MalformedIdxException(name + " has an invalid IDX header: " + header);
        }
        return header;
    }

    /** @throws MalformedIdxException if the header is not an IDX labels header */
    public static int readLabelsHeader(InputStream in, String name) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int magic = data.readInt();
        if (magic != LABELS_MAGIC) {
            throw new MalformedIdxException(name + " is not an IDX labels file: magic number 0x"
                    + Integer.toHexString(magic) + ", expected 0x00000801");
        }
        return data.readInt();
    }

    /** Skips exactly {@code n} bytes of a (possibly decompressing) stream. */
    public static void skipFully(InputStream in, long n) throws IOException {
        long left = n;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("file ends " + left + " bytes early");
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }
}
