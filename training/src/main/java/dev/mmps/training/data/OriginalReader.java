package dev.mmps.training.data;

import dev.mmps.tensor.layout.ImageShape;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads original images the way {@code mmps compress} labels and names them, so that an original and its
 * factor row share an id and a label: a class-folder tree ({@code <root>/<class>/.../<file>}, JPEG or PNG,
 * label = the class folder's position in sorted order, id = the path under the root), or an IDX images file
 * of MNIST or Fashion-MNIST beside its labels file (id = {@code <images file>#<five-digit index>}, class
 * names the label digits). Images are taken at their own size; all must share one.
 */
public final class OriginalReader {

    private static final Logger LOG = LoggerFactory.getLogger(OriginalReader.class);
    private static final int IDX_IMAGES_MAGIC = 0x00000803;
    private static final int IDX_LABELS_MAGIC = 0x00000801;

    private OriginalReader() {}

    /**
     * Reads a class-folder tree, an IDX images file, or a folder holding exactly one IDX images file.
     *
     * @throws IllegalArgumentException if the path holds no images, the images differ in shape, or files
     *     lie outside class folders
     */
    public static OriginalSource read(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("original images at " + path + " do not exist; pass a folder of class "
                    + "folders or an IDX images file");
        }
        long start = System.nanoTime();
        Path idx = Files.isRegularFile(path) ? path : singleIdxFile(path);
        OriginalSource source = idx != null ? readIdx(idx) : readFolders(path);
        LOG.info("read {} original images of {} in {} classes from {} in {} s", source.size(), source.shape(),
                source.classes().size(), path, String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
        return source;
    }

    private static Path singleIdxFile(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> idx = files.filter(p -> isIdxImages(p.getFileName().toString())).sorted().toList();
            if (idx.size() > 1) {
                throw new IllegalArgumentException(folder + " holds " + idx.size() + " IDX images files " + idx
                        + "; pass one of them (the training or the test split)");
            }
            return idx.isEmpty() ? null : idx.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    private static boolean isIdxImages(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith("-images-idx3-ubyte") || n.endsWith("-images-idx3-ubyte.gz")
                || n.endsWith("-images.idx3-ubyte") || n.endsWith("-images.idx3-ubyte.gz");
    }

    private static OriginalSource readFolders(Path root) {
        List<String> classes;
        List<Path> files;
        try (Stream<Path> top = Files.list(root); Stream<Path> all = Files.walk(root)) {
            classes = top.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
            files = all.filter(Files::isRegularFile).filter(p -> isImage(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
        List<String> ids = new ArrayList<>(files.size());
        int[] labels = new int[files.size()];
        for (int i = 0; i < files.size(); i++) {
            Path relative = root.relativize(files.get(i));
            if (relative.getNameCount() < 2) {
                throw new IllegalArgumentException("image " + files.get(i) + " lies directly under " + root
                        + " and so has no class; move it into a class folder");
            }
            ids.add(relative.toString().replace('\\', '/'));
            labels[i] = classes.indexOf(relative.getName(0).toString());
        }
        List<DecodedPixels> decoded = IntStream.range(0, files.size()).parallel()
                .mapToObj(i -> decode(files.get(i))).toList();
        ImageShape shape = decoded.isEmpty() ? new ImageShape(1, 1, 1) : decoded.get(0).shape();
        List<byte[]> pixels = new ArrayList<>(decoded.size());
        for (int i = 0; i < decoded.size(); i++) {
            if (!decoded.get(i).shape().equals(shape)) {
                throw new IllegalArgumentException("image " + ids.get(i) + " is " + decoded.get(i).shape() + " but "
                        + ids.get(0) + " is " + shape + "; originals are read at their own size, so resize the folder "
                        + "to one size first");
            }
            pixels.add(decoded.get(i).pixels());
        }
        return new OriginalSource(root.toString(), shape, classes, ids, labels, pixels);
    }

    private static boolean isImage(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
    }

    private record DecodedPixels(ImageShape shape, byte[] pixels) {}

    /** 8-bit pixels, {@code H x W x C}: gray images stay one channel, colour is RGB, alpha is dropped. */
    private static DecodedPixels decode(Path file) {
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot decode " + file + ": " + e.getMessage(), e);
        }
        if (image == null) {
            throw new IllegalArgumentException(file + " is not a JPEG or PNG image ImageIO can read; remove it");
        }
        int h = image.getHeight();
        int w = image.getWidth();
        boolean gray = image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        byte[] out = new byte[h * w * (gray ? 1 : 3)];
        if (gray) {
            double max = (1L << image.getColorModel().getComponentSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[y * w + x] = (byte) Math.round(image.getRaster().getSampleDouble(x, y, 0) / max * 255);
                }
            }
        } else if (image.getType() == BufferedImage.TYPE_3BYTE_BGR && image.getRaster().getParent() == null) {
            byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            for (int i = 0; i < h * w; i++) {
                out[3 * i] = bgr[3 * i + 2];
                out[3 * i + 1] = bgr[3 * i + 1];
                out[3 * i + 2] = bgr[3 * i];
            }
        } else {
            int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < h * w; i++) {
                out[3 * i] = (byte) (argb[i] >> 16);
                out[3 * i + 1] = (byte) (argb[i] >> 8);
                out[3 * i + 2] = (byte) argb[i];
            }
        }
        return new DecodedPixels(new ImageShape(h, w, gray ? 1 : 3), out);
    }

    private static OriginalSource readIdx(Path images) {
        String name = images.getFileName().toString();
        Path labelsFile = images.resolveSibling(name.replace("-images-idx3-", "-labels-idx1-")
                .replace("-images.idx3-", "-labels.idx1-"));
        if (!isIdxImages(name) || !Files.isRegularFile(labelsFile)) {
            throw new IllegalArgumentException(images + " is not an IDX images file with its labels file beside it ("
                    + labelsFile.getFileName() + "); pass for example train-images-idx3-ubyte.gz");
        }
        try (DataInputStream in = open(images); DataInputStream lab = open(labelsFile)) {
            requireMagic(in.readInt(), IDX_IMAGES_MAGIC, images);
            int count = in.readInt();
            ImageShape shape = new ImageShape(in.readInt(), in.readInt(), 1);
            requireMagic(lab.readInt(), IDX_LABELS_MAGIC, labelsFile);
            int labelCount = lab.readInt();
            if (labelCount != count) {
                throw new IllegalArgumentException(labelsFile + " holds " + labelCount + " labels for " + count
                        + " images in " + images + "; pass the labels file of the same split");
            }
            List<String> ids = new ArrayList<>(count);
            List<byte[]> pixels = new ArrayList<>(count);
            int[] labels = new int[count];
            int maxLabel = 0;
            for (int i = 0; i < count; i++) {
                byte[] p = new byte[shape.values()];
                in.readFully(p);
                pixels.add(p);
                labels[i] = lab.readUnsignedByte();
                maxLabel = Math.max(maxLabel, labels[i]);
                ids.add(name + "#" + String.format(Locale.ROOT, "%05d", i));
            }
            List<String> classes = IntStream.rangeClosed(0, maxLabel).mapToObj(Integer::toString).toList();
            return new OriginalSource(images.toString(), shape, classes, ids, labels, pixels);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read IDX files " + images + ": " + e.getMessage(), e);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = Files.newInputStream(file);
        InputStream in = file.toString().toLowerCase(Locale.ROOT).endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16)
                : new java.io.BufferedInputStream(raw, 1 << 16);
        return new DataInputStream(in);
    }

    private static void requireMagic(int magic, int expected, Path file) {
        if (magic != expected) {
            throw new IllegalArgumentException(file + " starts with magic number 0x" + Integer.toHexString(magic)
                    + " where an IDX file has 0x" + String.format(Locale.ROOT, "%08x", expected)
                    + "; pass the MNIST or Fashion-MNIST files themselves");
        }
    }
}
