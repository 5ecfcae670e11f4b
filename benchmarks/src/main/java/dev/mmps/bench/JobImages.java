package dev.mmps.bench;

import dev.mmps.images.ChannelMode;
import dev.mmps.images.DecodedImage;
import dev.mmps.images.IdxFormat;
import dev.mmps.images.ImageDecoder;
import dev.mmps.images.ImageFailure;
import dev.mmps.images.Preprocess;
import dev.mmps.tensor.layout.ImageShape;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A dataset as the compress job reads it: image files in path order (the job's calibration sample
 * is the first of them), decoded and preprocessed by the {@code images} module, or the images of
 * an IDX file in file order.
 *
 * @param shape the one shape every image has
 * @param pixels HWC pixels on [0, 1], in the job's order
 */
record JobImages(ImageShape shape, List<float[]> pixels) {

    /**
     * Every image file under {@code root}, in path order.
     *
     * @param size target side for {@code --size SxS} (shorter side scaled to cover, centre crop), or 0
     * @param limit most images to read
     */
    static JobImages folders(Path root, int size, ChannelMode channels, int limit) {
        Preprocess preprocess = new Preprocess(size, size, channels, ImageDecoder.DEFAULT_MAX_PIXELS);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).sorted().limit(limit).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Decoding and resizing full-size photographs is the slow part: both cores, order kept.
        List<DecodedImage> decoded = files.parallelStream().map(f -> {
            try {
                return preprocess.apply(Files.readAllBytes(f));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (ImageFailure e) {
                throw new IllegalStateException(f + ": " + e.getMessage(), e);
            }
        }).toList();
        ImageShape shape = decoded.get(0).shape();
        List<float[]> pixels = new ArrayList<>();
        for (int i = 0; i < decoded.size(); i++) {
            if (!decoded.get(i).shape().equals(shape)) {
                throw new IllegalStateException(files.get(i) + " is " + decoded.get(i).shape() + ", not " + shape
                        + "; pass --size or a channel mode that gives every image one shape");
            }
            pixels.add(decoded.get(i).pixels());
        }
        return new JobImages(shape, List.copyOf(pixels));
    }

    /** The first {@code limit} images of an IDX images file ({@code .gz} or not), as the job reads them. */
    static JobImages idx(Path images, int limit) {
        String name = images.getFileName().toString();
        try (InputStream in = IdxFormat.open(Files.newInputStream(images), name)) {
            IdxFormat.Header header = IdxFormat.readImagesHeader(in, name);
            int values = header.rows() * header.cols();
            byte[] buffer = new byte[values];
            DataInputStream data = new DataInputStream(in);
            List<float[]> pixels = new ArrayList<>();
            for (int i = 0; i < Math.min(limit, header.count()); i++) {
                data.readFully(buffer);
                float[] p = new float[values];
                for (int j = 0; j < values; j++) {
                    p[j] = (buffer[j] & 0xff) / 255f;
                }
                pixels.add(p);
            }
            return new JobImages(new ImageShape(header.rows(), header.cols(), 1), List.copyOf(pixels));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
