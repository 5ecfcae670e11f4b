package dev.mmps.training.data;

import dev.mmps.tensor.layout.ImageShape;
import java.util.List;

/**
 * A source whose images are another's changed image by image (corrections added, a layer applied): the same
 * ids, labels, classes, shape and order as its base; subclasses say what they add.
 */
public abstract class DerivedSource implements ImageSource {

    private final ImageSource base;

    protected DerivedSource(ImageSource base) {
        this.base = base;
    }

    protected ImageSource base() {
        return base;
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
}
