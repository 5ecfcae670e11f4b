package dev.mmps.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmps.settings.ValidationException;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.training.data.ImageSource;
import java.util.List;

/** A rebuilt source with its correction layer applied to every batch as it is rebuilt. */
public final class LayeredSource implements ImageSource {

    private final ImageSource base;
    private final CorrectionLayer layer;

    /** @throws ValidationException if the layer was learned for images of another shape */
    public LayeredSource(ImageSource base, CorrectionLayer layer) {
        ValidationException.check(layer.shape().equals(base.shape()), "a correction layer for " + layer.shape()
                + " images cannot apply to " + base.description() + " of " + base.shape() + "; learn it on this table");
        this.base = base;
        this.layer = layer;
    }

    @Override
    public String description() {
        return base.description() + " with a " + layer.form().label() + " correction layer";
    }

    @Override
    public ImageShape shape() {
        return base.shape();
    }

    @Override
    public List<String> classes() {
        return base.classes();
    }

    @Override
    public int size() {
        return base.size();
    }

    @Override
    public String id(int index) {
        return base.id(index);
    }

    @Override
    public int label(int index) {
        return base.label(index);
    }

    /** The table's values and the layer's, once for the whole table. */
    @Override
    public long storedValues() {
        return base.storedValues() + layer.storedValues();
    }

    @Override
    public NDArray images(NDManager manager, int[] indices) {
        return layer.apply(base.images(manager, indices));
    }
}
