package dev.mmps.training.condense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmps.training.data.ImageSource;
import java.util.List;

/** MTT's synthetic set: {@code ipc} images per class in pixel space, with their classes as hard labels. */
public record PixelForm(Frame frame, int imagesPerClass) implements SyntheticForm {

    @Override
    public String sizes() {
        return "pixels";
    }

    @Override
    public String method() {
        return "mtt";
    }

    @Override
    public List<String> names() {
        return List.of("images");
    }

    @Override
    public List<Shape> shapes() {
        return List.of(new Shape(images(), frame.channels(), frame.height(), frame.width()));
    }

    @Override
    public boolean softLabels() {
        return false;
    }

    @Override
    public NDArray images(NDList arrays) {
        return arrays.get(0);
    }

    @Override
    public NDArray images(NDList arrays, NDArray rows) {
        return arrays.get(0).get(rows);
    }

    @Override
    public NDArray labels(NDList arrays) {
        return SyntheticForm.hardLabels(imagesPerClass, frame.classes(), arrays.get(0));
    }

    @Override
    public int startingImagesPerClass() {
        return imagesPerClass;
    }

    @Override
    public NDList initial(ImageSource train, long seed, NDManager manager) {
        return new NDList(SyntheticForm.realImages(train, frame.classes(), imagesPerClass, seed, manager));
    }
}
