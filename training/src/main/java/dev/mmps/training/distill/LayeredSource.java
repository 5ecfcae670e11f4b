package dev.mmps.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.DerivedSource;
import dev.mmps.training.data.ImageSource;

/** A rebuilt source with its correction layer applied to every batch as it is rebuilt. */
public final class LayeredSource extends DerivedSource {

    private final CorrectionLayer layer;

    /** @throws ValidationException if the layer was learned for images of another shape */
    public LayeredSource(ImageSource base, CorrectionLayer layer) {
        super(base);
        ValidationException.check(layer.shape().equals(base.shape()), "a correction layer for " + layer.shape()
                + " images cannot apply to " + base.description() + " of " + base.shape() + "; learn it on this table");
        this.layer = layer;
    }

    @Override
    public String description() {
        return base().description() + " with a " + layer.form().label() + " correction layer";
    }

    /** The table's values and the layer's, once for the whole table. */
    @Override
    public long storedValues() {
        return base().storedValues() + layer.storedValues();
    }

    @Override
    public NDArray images(NDManager manager, int[] indices) {
        return layer.apply(base().images(manager, indices));
    }
}
