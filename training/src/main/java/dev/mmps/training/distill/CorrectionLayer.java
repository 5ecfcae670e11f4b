package dev.mmps.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmps.settings.ValidationException;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.training.files.JsonFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The paper's Eq. 7 as a layer closest to the data: one map applied to every rebuilt image of a table before
 * the network, {@code y = W x + b + B}, with {@code W} a {@code C x C} mix of each pixel's channels (a 1x1
 * convolution), {@code b} a bias per channel and, in the {@link Form#CHANNELS_AND_IMAGE} form, {@code B} an
 * {@code H x W x C} image added to every picture. It is stored beside the table, counted in its values, and
 * removed by not applying it. The identity ({@code W = I}, {@code b = B = 0}) is where learning starts.
 *
 * @param weight {@code W}, row-major: {@code weight[o * C + i]} takes input channel {@code i} to output {@code o}
 * @param bias {@code b}, one value per channel
 * @param image {@code B} as {@code C x H x W}, row-major, or empty in the {@link Form#CHANNELS} form
 */
public record CorrectionLayer(ImageShape shape, Form form, float[] weight, float[] bias, float[] image) {

    /** The file the layer is kept in, beside its learning summary. */
    public static final String FILE = "correction-layer.json";
    /** The file format's name and version, checked when read. */
    static final String FORMAT = "mmps-correction-layer";
    static final int VERSION = 1;

    /** What the layer holds. */
    public enum Form {
        /** The channel mix and biases: {@code C^2 + C} values. */
        CHANNELS("channels"),
        /** And an image added to every picture: {@code C^2 + C + H W C} values. */
        CHANNELS_AND_IMAGE("channels+image");

        private final String label;

        Form(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public static Form parse(String text) {
            for (Form f : values()) {
                if (f.label.equals(text.trim().toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
            throw new IllegalArgumentException("layer form '" + text + "' is unknown: use channels (a 1x1 "
                    + "convolution of the channels) or channels+image (and an image added to every picture)");
        }
    }

    public CorrectionLayer {
        int c = shape.channels();
        int imageValues = form == Form.CHANNELS ? 0 : shape.values();
        if (weight.length != c * c || bias.length != c || image.length != imageValues) {
            throw new IllegalArgumentException("a " + form.label() + " layer on " + shape + " holds " + c * c + " + " + c
                    + " + " + imageValues + " values, not " + weight.length + " + " + bias.length + " + "
                    + image.length);
        }
    }

    /** The layer that changes nothing: {@code W = I}, {@code b = 0}, {@code B = 0}. */
    public static CorrectionLayer identity(ImageShape shape, Form form) {
        int c = shape.channels();
        float[] w = new float[c * c];
        for (int i = 0; i < c; i++) {
            w[i * c + i] = 1;
        }
        return new CorrectionLayer(shape, form, w, new float[c], new float[form == Form.CHANNELS ? 0 : shape.values()]);
    }

    /** Values stored: {@code C^2 + C}, plus {@code H W C} with the image. */
    public long storedValues() {
        return (long) weight.length + bias.length + image.length;
    }

    /** The layer on a {@code (B, C, H, W)} batch, on the batch's device. */
    public NDArray apply(NDArray images) {
        NDManager m = images.getManager();
        return apply(images, m.create(weight, new Shape(shape.channels(), shape.channels())), m.create(bias),
                image.length == 0 ? null : m.create(image, new Shape(shape.channels(), shape.height(), shape.width())));
    }

    /** {@code W x + b (+ B)} on a {@code (B, C, H, W)} batch, from parameter arrays (learned ones included). */
    static NDArray apply(NDArray images, NDArray w, NDArray b, NDArray added) {
        Shape s = images.getShape();
        long c = s.get(1);
        NDArray mixed = w.matMul(images.reshape(s.get(0), c, s.get(2) * s.get(3))).reshape(s)
                .add(b.reshape(1, c, 1, 1));
        return added == null ? mixed : mixed.add(added.expandDims(0));
    }

    /** What the file holds: the format, the layer, and what learned it. */
    record File(String format, int version, int height, int width, int channels, String form, float[] weight,
            float[] bias, float[] image, LayerLearner.Summary summary) {}

    /** Writes the layer and its summary to {@code folder/correction-layer.json}, in one move. */
    public static void write(Path folder, CorrectionLayer layer, LayerLearner.Summary summary) {
        try {
            Files.createDirectories(folder);
            Path temp = folder.resolve(FILE + ".tmp");
            JsonFiles.write(temp, new File(FORMAT, VERSION, layer.shape.height(), layer.shape.width(),
                    layer.shape.channels(), layer.form.label(), layer.weight, layer.bias, layer.image, summary));
            Files.move(temp, folder.resolve(FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the correction layer to " + folder + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a layer written by {@link #write}.
     *
     * @throws ValidationException if the file is missing, damaged, of another format or of a newer version
     */
    public static CorrectionLayer read(Path folder) {
        File f = file(folder);
        try {
            return new CorrectionLayer(new ImageShape(f.height(), f.width(), f.channels()), Form.parse(f.form()),
                    f.weight(), f.bias(), f.image() == null ? new float[0] : f.image());
        } catch (IllegalArgumentException e) {
            throw new ValidationException(folder.resolve(FILE) + " is damaged: " + e.getMessage() + "; learn the "
                    + "layer again (delete the folder)", e);
        }
    }

    /** The summary kept with a layer. */
    public static LayerLearner.Summary summary(Path folder) {
        return file(folder).summary();
    }

    /** Bytes of the layer's file: what storing it beside a table costs. */
    public static long storedBytes(Path folder) {
        try {
            return Files.size(folder.resolve(FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + folder.resolve(FILE), e);
        }
    }

    private static File file(Path folder) {
        Path path = folder.resolve(FILE);
        ValidationException.check(Files.isRegularFile(path), path + " does not exist; learn a correction layer "
                + "there first");
        File f;
        try {
            f = JsonFiles.read(path, File.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ValidationException(path + " is damaged (" + e.getOriginalMessage() + "); learn the layer "
                    + "again (delete the folder)", e);
        }
        ValidationException.check(FORMAT.equals(f.format()), path + " holds '" + f.format() + "', not a correction "
                + "layer; point at a folder written by mmps evaluate");
        ValidationException.check(f.version() <= VERSION, path + " is of version " + f.version() + ", newer than "
                + VERSION + " that this mmps reads; upgrade mmps");
        return f;
    }
}
