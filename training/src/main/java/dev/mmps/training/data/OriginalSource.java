package dev.mmps.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmps.tensor.layout.ImageShape;
import java.util.List;

/**
 * Original images held as 8-bit pixels ({@code H x W x C} row-major, the table's order), read from class
 * folders or IDX files by {@link OriginalReader}. A batch is scaled to [0, 1] on the host and moved to
 * the device in one copy.
 */
public final class OriginalSource implements ImageSource {

    private final String description;
    private final ImageShape shape;
    private final List<String> classes;
    private final List<String> ids;
    private final int[] labels;
    private final List<byte[]> pixels;

    OriginalSource(String description, ImageShape shape, List<String> classes, List<String> ids, int[] labels,
            List<byte[]> pixels) {
        if (ids.isEmpty()) {
            throw new IllegalArgumentException(description + " holds no images; point it at a folder of class "
                    + "folders with JPEG or PNG files, or at an IDX images file");
        }
        this.description = description;
        this.shape = shape;
        this.classes = List.copyOf(classes);
        this.ids = List.copyOf(ids);
        this.labels = labels.clone();
        this.pixels = List.copyOf(pixels);
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public ImageShape shape() {
        return shape;
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public int size() {
        return ids.size();
    }

    @Override
    public String id(int index) {
        return ids.get(index);
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public long storedValues() {
        return (long) size() * shape.values();
    }

    /** The 8-bit pixels of one image, {@code H x W x C} row-major; a copy. */
    public byte[] pixels(int index) {
        return pixels.get(index).clone();
    }

    @Override
    public NDArray images(NDManager manager, int[] indices) {
        int n = shape.values();
        float[] values = new float[indices.length * n];
        for (int b = 0; b < indices.length; b++) {
            byte[] p = pixels.get(indices[b]);
            for (int i = 0; i < n; i++) {
                values[b * n + i] = (p[i] & 0xff) / 255f;
            }
        }
        return manager.create(values, new Shape(indices.length, shape.height(), shape.width(), shape.channels()))
                .transpose(0, 3, 1, 2);
    }
}
