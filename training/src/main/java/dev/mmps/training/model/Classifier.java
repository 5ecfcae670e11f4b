package dev.mmps.training.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.training.data.ImageSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A network with its input contract: the architecture, the image shape it takes and the class names its
 * logits stand for. Saved as a folder: {@code classifier.json} (the contract and notes such as the accuracy)
 * beside DJL's parameter file.
 */
public final class Classifier implements AutoCloseable {

    private static final String MODEL_NAME = "classifier";
    private static final String DESCRIPTION = "classifier.json";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /** What a classifier takes and gives. */
    public record Spec(Architecture architecture, ImageShape shape, List<String> classes) {
        public Spec {
            if (architecture == null || shape == null || classes == null) {
                throw new IllegalArgumentException("a classifier spec needs an architecture, a shape and classes");
            }
            classes = List.copyOf(classes);
        }

        /** The spec for training on a source. */
        public static Spec of(Architecture architecture, ImageSource source) {
            return new Spec(architecture, source.shape(), source.classes());
        }
    }

    private record Stored(String architecture, String shape, List<String> classes, Map<String, Object> notes) {}

    private final Spec spec;
    private final Model model;

    private Classifier(Spec spec, Model model) {
        this.spec = spec;
        this.model = model;
    }

    /** The device DJL offers first: a GPU when there is one, else the CPU. */
    public static Device device() {
        return Engine.getInstance().defaultDevice();
    }

    /** A fresh network; its parameters are initialised by {@link ClassifierTraining}. */
    public static Classifier create(Spec spec) {
        Model model = Model.newInstance(MODEL_NAME, device());
        model.setBlock(spec.architecture().build(spec.shape(), spec.classes().size()));
        return new Classifier(spec, model);
    }

    /**
     * Loads a classifier saved by {@link #save}.
     *
     * @throws IllegalArgumentException if the folder holds no saved classifier
     */
    public static Classifier load(Path dir) {
        Path description = dir.resolve(DESCRIPTION);
        if (!Files.isRegularFile(description)) {
            throw new IllegalArgumentException("no trained classifier at " + dir + " (" + DESCRIPTION + " is missing); "
                    + "train one first with 'mmps train-teacher --out " + dir + "'");
        }
        try {
            Stored stored = GSON.fromJson(Files.readString(description), Stored.class);
            Spec spec = new Spec(Architecture.parse(stored.architecture()), ImageShape.parse(stored.shape()),
                    stored.classes());
            Model model = Model.newInstance(MODEL_NAME, device());
            try {
                model.setBlock(spec.architecture().build(spec.shape(), spec.classes().size()));
                model.load(dir, MODEL_NAME);
            } catch (IOException | MalformedModelException | RuntimeException e) {
                model.close();
                throw e;
            }
            return new Classifier(spec, model);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the classifier at " + dir + ": " + e.getMessage(), e);
        } catch (MalformedModelException e) {
            throw new IllegalArgumentException("the classifier at " + dir + " is damaged (" + e.getMessage()
                    + "); train it again", e);
        }
    }

    /** The notes a classifier was saved with ({@link #save}); empty if it has none. */
    public static Map<String, Object> notes(Path dir) {
        Path description = dir.resolve(DESCRIPTION);
        try {
            Stored stored = GSON.fromJson(Files.readString(description), Stored.class);
            return stored.notes() == null ? Map.of() : stored.notes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + description + ": " + e.getMessage(), e);
        }
    }

    /** Saves the parameters and the contract, with notes (accuracy, epochs, data) for the reader. */
    public void save(Path dir, Map<String, Object> notes) {
        try {
            Files.createDirectories(dir);
            model.save(dir, MODEL_NAME);
            Stored stored = new Stored(spec.architecture().label(), spec.shape().toString(), spec.classes(), notes);
            Files.writeString(dir.resolve(DESCRIPTION), GSON.toJson(stored));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the classifier to " + dir + ": " + e.getMessage(), e);
        }
    }

    public Spec spec() {
        return spec;
    }

    public Model model() {
        return model;
    }

    /**
     * Checks that a source's images and classes are what this classifier takes.
     *
     * @param role what the source is for, e.g. "test set", for the message
     * @throws IllegalArgumentException naming the mismatch and the fix
     */
    public void requireFits(ImageSource source, String role) {
        if (!source.shape().equals(spec.shape())) {
            throw new IllegalArgumentException("the " + role + " " + source.description() + " holds " + source.shape()
                    + " images but the " + spec.architecture().label() + " takes " + spec.shape() + "; use data of one "
                    + "shape throughout (compress with --size " + spec.shape().height() + "x" + spec.shape().width()
                    + ")");
        }
        if (!source.classes().equals(spec.classes())) {
            throw new IllegalArgumentException("the " + role + " " + source.description() + " has classes "
                    + source.classes() + " but the model was made for " + spec.classes() + "; use the same dataset's "
                    + "splits, whose class folders match");
        }
    }

    /** Class logits {@code (B, classes)} of images {@code (B, C, H, W)}, in inference mode. */
    public NDArray logits(NDArray images) {
        return model.getBlock().forward(new ParameterStore(images.getManager(), false), new NDList(images), false)
                .singletonOrThrow();
    }

    /** The output before the head: the features K-Center measures distances on. */
    public NDArray features(NDArray images) {
        List<Block> blocks = ((SequentialBlock) model.getBlock()).getChildren().values();
        ParameterStore store = new ParameterStore(images.getManager(), false);
        NDList x = new NDList(images);
        for (Block block : blocks.subList(0, blocks.size() - spec.architecture().headBlocks())) {
            x = block.forward(store, x, false);
        }
        return x.singletonOrThrow().reshape(images.getShape().get(0), -1);
    }

    /** Undoes {@link #frozen}. */
    public interface Thaw extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Freezes every parameter, for a teacher during distillation, and returns what undoes it: each
     * parameter's gradient requirement as it was (batch-norm running statistics never take gradients, and
     * DJL's own unfreezing would give them one).
     */
    public Thaw frozen() {
        java.util.Map<ai.djl.nn.Parameter, Boolean> before = new java.util.LinkedHashMap<>();
        for (var p : model.getBlock().getParameters().values()) {
            before.put(p, p.requiresGradient());
        }
        model.getBlock().freezeParameters(true);
        return () -> before.forEach((p, requires) -> p.freeze(!requires));
    }

    @Override
    public void close() {
        model.close();
    }
}
