package dev.mmps.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmps.tensor.layout.ImageShape;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A labelled set of images of one shape, indexed {@code 0 .. size()-1}, that can hand any of them to DJL
 * as a batch. Pixel values are on the [0, 1] scale, as in the factor tables.
 */
public interface ImageSource {

    /** What the source is, for logs and reports: a folder, a table, a table with corrections. */
    String description();

    ImageShape shape();

    /** Class names by label index; the labels of {@link #label} index this list. */
    List<String> classes();

    int size();

    /** The image's id: its path under the dataset root ({@code cat/0042.jpg}) or {@code <file>#<index>} for IDX. */
    String id(int index);

    int label(int index);

    /** Index by id, to match images across sources (an original and its factor row share an id). */
    default Map<String, Integer> indexById() {
        Map<String, Integer> index = new HashMap<>(size() * 2);
        for (int i = 0; i < size(); i++) {
            index.put(id(i), i);
        }
        return index;
    }

    /** Values this source stores for all its images: pixels for originals, factor values for tables. */
    long storedValues();

    /**
     * The images at {@code indices} as a float32 {@code (B, C, H, W)} array on the manager's device.
     */
    NDArray images(NDManager manager, int[] indices);
}
