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
public final class OriginalSource extends LabelledSource {

    private final List<byte[]> pixels;
    private final long[] fileBytes;

    OriginalSource(String description, ImageShape shape, List<String> classes, List<String> ids, int[] labels,
            List<byte[]> pixels, long[] fileBytes) {
        super(description, shape, classes, ids, labels);
        this.pixels = List.copyOf(pixels);
        this.fileBytes = fileBytes.clone();
    }

    /**
     * Bytes the image takes on disk as the dataset keeps it: its JPEG or PNG file, or its equal share of an IDX
     * file (which stores its images together, gzipped or not). What a user pays to keep the original instead of
     * a factor row.
     */
    public long fileBytes(int index) {
        return fileBytes[index];
    }

    @Override
    public long storedValues() {
        return (long) size() * shape().values();
    }

    /** The 8-bit pixels of one image, {@code H x W x C} row-major; a copy. */
    public byte[] pixels(int index) {
        return pixels.get(index).clone();
    }

    @Override
    public NDArray images(NDManager manager, int[] indices) {
        ImageShape shape = shape();
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
