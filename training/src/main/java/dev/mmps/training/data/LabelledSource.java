package dev.mmps.training.data;

import dev.mmps.tensor.layout.ImageShape;
import java.util.List;

/** What every stored source knows of its images apart from the pixels: ids, labels, classes and shape. */
abstract class LabelledSource implements ImageSource {

    private final String description;
    private final ImageShape shape;
    private final List<String> classes;
    private final List<String> ids;
    private final int[] labels;

    LabelledSource(String description, ImageShape shape, List<String> classes, List<String> ids, int[] labels) {
        if (ids.isEmpty()) {
            throw new IllegalArgumentException(description + " holds no images; point it at a folder of class "
                    + "folders with JPEG or PNG files, an IDX images file, or a factor table with rows");
        }
        this.description = description;
        this.shape = shape;
        this.classes = List.copyOf(classes);
        this.ids = List.copyOf(ids);
        this.labels = labels.clone();
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
}
