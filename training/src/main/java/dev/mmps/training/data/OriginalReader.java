package dev.mmps.training.data;

import dev.mmps.images.ChannelMode;
import dev.mmps.images.DecodedImage;
import dev.mmps.images.IdxFormat;
import dev.mmps.images.ImageDecoder;
import dev.mmps.images.ImageFailure;
import dev.mmps.images.Preprocess;
import dev.mmps.settings.ValidationException;
import dev.mmps.tensor.layout.ImageShape;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;
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
    private static final Preprocess ORIGINALS =
            new Preprocess(0, 0, ChannelMode.AUTO, ImageDecoder.DEFAULT_MAX_PIXELS);

    private OriginalReader() {}

    /**
     * Reads a class-folder tree, an IDX images file, or a folder holding exactly one IDX images file.
     *
     * @throws ValidationException if the path holds no images, the images differ in shape, or files
     *     lie outside class folders
     */
    public static OriginalSource read(Path path) {
        if (!Files.exists(path)) {
            throw new ValidationException("original images at " + path + " do not exist; pass a folder of class "
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
            List<Path> idx = files.filter(p -> IdxFormat.isImagesFile(p.getFileName().toString())).sorted().toList();
            if (idx.size() > 1) {
                throw new ValidationException(folder + " holds " + idx.size() + " IDX images files " + idx
                        + "; pass one of them (the training or the test split)");
            }
            return idx.isEmpty() ? null : idx.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    private static OriginalSource readFolders(Path root) {
        List<String> classes;
        List<Path> files;
        try (Stream<Path> top = Files.list(root); Stream<Path> all = Files.walk(root)) {
            // Folders starting with '.' or '_' are not classes, as for mmps compress (hidden, or Spark's markers).
            classes = top.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".") && !n.startsWith("_")).sorted().toList();
            files = all.filter(Files::isRegularFile).filter(p -> isImage(p.getFileName().toString()))
                    .filter(p -> inClassOrLoose(root.relativize(p), classes)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
        requireImages(root, files.size());
        List<String> ids = new ArrayList<>(files.size());
        int[] labels = new int[files.size()];
        for (int i = 0; i < files.size(); i++) {
            Path relative = root.relativize(files.get(i));
            if (relative.getNameCount() < 2) {
                throw new ValidationException("image " + files.get(i) + " lies directly under " + root
                        + " and so has no class; move it into a class folder");
            }
            ids.add(relative.toString().replace('\\', '/'));
            labels[i] = classes.indexOf(relative.getName(0).toString());
        }
        List<DecodedPixels> decoded = IntStream.range(0, files.size()).parallel()
                .mapToObj(i -> decode(files.get(i))).toList();
        ImageShape shape = decoded.isEmpty() ? new ImageShape(1, 1, 1) : decoded.get(0).shape();
        List<byte[]> pixels = new ArrayList<>(decoded.size());
        long[] bytes = new long[decoded.size()];
        for (int i = 0; i < decoded.size(); i++) {
            bytes[i] = decoded.get(i).fileBytes();
            if (!decoded.get(i).shape().equals(shape)) {
                throw new ValidationException("image " + ids.get(i) + " is " + decoded.get(i).shape() + " but "
                        + ids.get(0) + " is " + shape + "; originals are read at their own size, so resize the folder "
                        + "to one size first");
            }
            pixels.add(decoded.get(i).pixels());
        }
        return new OriginalSource(root.toString(), shape, classes, ids, labels, pixels, bytes);
    }

    private static void requireImages(Path path, int count) {
        ValidationException.check(count > 0, path + " holds no images; point it at a folder of class folders "
                + "(<root>/<class>/<file>) with JPEG or PNG files, or at an IDX images file with images");
    }

    /** Under a class folder, or directly under the root (refused below); not under a hidden folder. */
    private static boolean inClassOrLoose(Path relative, List<String> classes) {
        return relative.getNameCount() < 2 || classes.contains(relative.getName(0).toString());
    }

    private static boolean isImage(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
    }

    private record DecodedPixels(ImageShape shape, byte[] pixels, long fileBytes) {}

    /**
     * 8-bit pixels, {@code H x W x C}, decoded exactly as {@code mmps compress} decodes them (same decoder,
     * same limits, channels kept as the image has them), so an original and its factor row show one image.
     */
    private static DecodedPixels decode(Path file) {
        DecodedImage image;
        byte[] encoded;
        try {
            encoded = Files.readAllBytes(file);
            image = ORIGINALS.apply(encoded);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (ImageFailure e) {
            throw new ValidationException("cannot " + e.step().label() + " original image " + file + ": "
                    + e.getMessage() + "; remove or replace the file", e);
        }
        float[] p = image.pixels();
        byte[] out = new byte[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = (byte) Math.round(p[i] * 255f);
        }
        return new DecodedPixels(image.shape(), out, encoded.length);
    }

    private static OriginalSource readIdx(Path images) {
        String name = images.getFileName().toString();
        Path labelsFile = images.resolveSibling(IdxFormat.labelsFileFor(name));
        if (!IdxFormat.isImagesFile(name) || !Files.isRegularFile(labelsFile)) {
            throw new ValidationException(images + " is not an IDX images file with its labels file beside it ("
                    + labelsFile.getFileName() + "); pass for example train-images-idx3-ubyte.gz");
        }
        try (DataInputStream in = open(images); DataInputStream lab = open(labelsFile)) {
            IdxFormat.Header header = IdxFormat.readImagesHeader(in, images.toString());
            int count = header.count();
            requireImages(images, count);
            ImageShape shape = new ImageShape(header.rows(), header.cols(), 1);
            int labelCount = IdxFormat.readLabelsHeader(lab, labelsFile.toString());
            if (labelCount != count) {
                throw new ValidationException(labelsFile + " holds " + labelCount + " labels for " + count
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
            // An IDX file stores its images together: each takes an equal share of the file on disk.
            long[] bytes = new long[count];
            java.util.Arrays.fill(bytes, Math.round((double) Files.size(images) / count));
            return new OriginalSource(images.toString(), shape, classes, ids, labels, pixels, bytes);
        } catch (IdxFormat.MalformedIdxException e) {
            throw new ValidationException(e.getMessage() + "; pass MNIST or Fashion-MNIST IDX files, or a folder of "
                    + "class folders", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read IDX files " + images + ": " + e.getMessage(), e);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        return new DataInputStream(IdxFormat.open(Files.newInputStream(file), file.getFileName().toString()));
    }
}
