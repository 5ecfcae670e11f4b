package dev.mmps.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmps.tensor.layout.ImageShape;
import java.util.List;

/**
 * Some of another source's images, renumbered {@code 0 .. size()-1} in the order given, read through it: the
 * training or the validation part of a training set, or the rows of a factor table that a split leaves for
 * training. Nothing is copied.
 */
public final class SubsetSource implements ImageSource {

    private final ImageSource parent;
    private final int[] indices;
    private final String part;

    /**
     * @param part what the subset is, for its description ("training part", "validation split")
     * @throws IllegalArgumentException if the subset is empty or names an image the parent lacks
     */
    public SubsetSource(ImageSource parent, int[] indices, String part) {
        if (indices.length == 0) {
            throw new IllegalArgumentException("the " + part + " of " + parent.description() + " holds no image");
        }
        for (int i : indices) {
            if (i < 0 || i >= parent.size()) {
                throw new IllegalArgumentException("image index " + i + " is outside [0, " + parent.size() + ") of "
                        + parent.description());
            }
        }
        this.parent = parent;
        this.indices = indices.clone();
        this.part = part;
    }

    public ImageSource parent() {
        return parent;
    }

    /** The parent's index of this source's image {@code index}. */
    public int parentIndex(int index) {
        return indices[index];
    }

    @Override
    public String description() {
        return "the " + part + " (" + indices.length + " images) of " + parent.description();
    }

    @Override
    public ImageShape shape() {
        return parent.shape();
    }

    @Override
    public List<String> classes() {
        return parent.classes();
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public String id(int index) {
        return parent.id(indices[index]);
    }

    @Override
    public int label(int index) {
        return parent.label(indices[index]);
    }

    /** The parent's stored values in proportion to the images kept (exact for pixels, a mean for tables). */
    @Override
    public long storedValues() {
        return Math.round((double) parent.storedValues() * indices.length / parent.size());
    }

    @Override
    public NDArray images(NDManager manager, int[] chosen) {
        int[] mapped = new int[chosen.length];
        for (int i = 0; i < chosen.length; i++) {
            mapped[i] = indices[chosen[i]];
        }
        return parent.images(manager, mapped);
    }
}
