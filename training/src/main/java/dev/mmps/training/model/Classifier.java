package dev.mmps.training.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.mmps.settings.ValidationException;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.training.device.TrainingDevice;
import dev.mmps.training.data.ImageSource;
import dev.mmps.training.factorised.Factorisation;
import dev.mmps.training.files.JsonFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A network with its input contract: the architecture, the image shape it takes and the class names its
 * logits stand for. Saved as a folder: {@code classifier.json} (the contract and notes such as the accuracy)
 * beside DJL's parameter file.
 */
public final class Classifier implements AutoCloseable {

    private static final String MODEL_NAME = "classifier";
    private static final String DESCRIPTION = "classifier.json";

    /**
     * What a classifier takes and gives, and how its layers are factorised.
     *
     * @param factorisation the layers replaced by factorised forms ({@link Factorisation#NONE} for the
     *     architecture as built)
     */
    public record Spec(Architecture architecture, ImageShape shape, List<String> classes, Factorisation factorisation) {
        public Spec {
            if (architecture == null || shape == null || classes == null) {
                throw new IllegalArgumentException("a classifier spec needs an architecture, a shape and classes");
            }
            classes = List.copyOf(classes);
            factorisation = factorisation == null ? Factorisation.NONE : factorisation;
        }

        /** The spec for training on a source, MPO layers at {@link Architecture#DEFAULT_BOND}. */
        public static Spec of(Architecture architecture, ImageSource source) {
            return of(architecture, source, Architecture.DEFAULT_BOND);
        }

        /** The spec for training on a source, MPO layers (if the architecture has them) at this bond. */
        public static Spec of(Architecture architecture, ImageSource source, int bond) {
            return new Spec(architecture, source.shape(), source.classes(),
                    architecture.factorisation(source.shape(), source.classes().size(), bond));
        }

        /** This spec with other factorised layers. */
        public Spec with(Factorisation other) {
            return new Spec(architecture, shape, classes, other);
        }

        /** A fresh, uninitialised network of this spec. */
        public SequentialBlock network() {
            return factorisation.apply(architecture.build(shape, classes.size()));
        }

        /** The architecture's name, with the factorised layers if any: {@code convnet (2 layers factorised)}. */
        public String describe() {
            return architecture.label() + (factorisation.isNone() ? ""
                    : " (" + factorisation.layers().size() + " layer(s) factorised)");
        }
    }

    /**
     * What a classifier was trained with and how it scored, for its reader and for deciding whether a kept
     * classifier may be reused; any of them may be absent (null).
     *
     * @param settings everything that shaped the training, as one line; a kept teacher is reused only when
     *     the settings asked for now give the same line
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Notes(String settings, String trainedOn, Integer images, Integer epochs, Double testAccuracy,
            Double seconds) {

        public static final Notes NONE = new Notes(null, null, null, null, null, null);
    }

    /** {@code classifier.json}: the input contract and the notes. */
    private record Description(String architecture, String shape, List<String> classes, Factorisation factorisation,
            Long parameters, Notes notes) {}

    private final Spec spec;
    private final Model model;

    private Classifier(Spec spec, Model model) {
        this.spec = spec;
        this.model = model;
    }

    /**
     * The device models are made on: the one the command chose ({@link TrainingDevice#choose}), else DJL's
     * first (a GPU when there is one, else the CPU).
     */
    public static Device device() {
        return TrainingDevice.current();
    }

    /**
     * {@link #device()} in one line, for the start of a command: {@code cpu (DJL PyTorch 2.7.1, 2 threads)}, or
     * a GPU with its CUDA version, compute capability and memory.
     */
    public static String deviceDescription() {
        return TrainingDevice.describe(device());
    }

    /** A fresh network; its parameters are initialised by {@link ClassifierTraining}. */
    public static Classifier create(Spec spec) {
        Model model = Model.newInstance(MODEL_NAME, device());
        model.setBlock(spec.network());
        return new Classifier(spec, model);
    }

    /**
     * Loads a classifier saved by {@link #save}.
     *
     * @throws ValidationException if the folder holds no saved classifier, or a damaged one
     */
    public static Classifier load(Path dir) {
        Description description = description(dir);
        Spec spec;
        try {
            spec = new Spec(Architecture.parse(description.architecture()), ImageShape.parse(description.shape()),
                    description.classes(), description.factorisation());
        } catch (IllegalArgumentException | ValidationException e) {
            throw damaged(dir, e.getMessage(), e);
        }
        if (!hasParameters(dir)) {
            throw damaged(dir, "it has no " + MODEL_NAME + "-NNNN.params file beside " + DESCRIPTION, null);
        }
        Model model = Model.newInstance(MODEL_NAME, device());
        try {
            model.setBlock(spec.network());
            model.load(dir, MODEL_NAME);
            return new Classifier(spec, model);
        } catch (MalformedModelException e) {
            model.close();
            throw damaged(dir, e.getMessage(), e);
        } catch (IOException e) {
            model.close();
            throw new UncheckedIOException("cannot read the classifier at " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * The notes a classifier was saved with ({@link #save}); {@link Notes#NONE} if it has none.
     *
     * @throws ValidationException if the folder holds no saved classifier, or a damaged one
     */
    public static Notes notes(Path dir) {
        Notes notes = description(dir).notes();
        return notes == null ? Notes.NONE : notes;
    }

    private static Description description(Path dir) {
        Path file = dir.resolve(DESCRIPTION);
        if (!Files.isRegularFile(file)) {
            throw new ValidationException("no trained classifier at " + dir + " (" + DESCRIPTION + " is missing); "
                    + "train one first with 'mmps train-teacher --out " + dir + "'");
        }
        try {
            Description description = JsonFiles.read(file, Description.class);
            if (description.architecture() == null || description.shape() == null || description.classes() == null) {
                throw damaged(dir, DESCRIPTION + " lacks its architecture, shape or classes", null);
            }
            return description;
        } catch (JsonProcessingException e) {
            throw damaged(dir, DESCRIPTION + " is not valid: " + e.getOriginalMessage(), e);
        }
    }

    /** Whether DJL's parameter file ({@code classifier-0000.params} as {@link #save} names it) is there. */
    private static boolean hasParameters(Path dir) {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString())
                    .anyMatch(n -> n.startsWith(MODEL_NAME) && n.endsWith(".params"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static ValidationException damaged(Path dir, String what, Exception cause) {
        return new ValidationException("the classifier at " + dir + " is damaged (" + what + "); train it again, "
                + "or pass the folder of another one", cause);
    }

    /** Saves the parameters and the contract, with notes (settings, accuracy, epochs, data) for the reader. */
    public void save(Path dir, Notes notes) {
        try {
            Files.createDirectories(dir);
            model.save(dir, MODEL_NAME);
            JsonFiles.write(dir.resolve(DESCRIPTION), new Description(spec.architecture().label(),
                    spec.shape().toString(), spec.classes(), spec.factorisation().isNone() ? null : spec.factorisation(),
                    parameters(model.getBlock()), notes));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the classifier to " + dir + ": " + e.getMessage(), e);
        }
    }

    public Spec spec() {
        return spec;
    }

    /**
     * The values training changes in a block and its children: weights, biases, batch-norm scales and
     * shifts, not running statistics.
     */
    public static long parameters(Block block) {
        long n = 0;
        for (ai.djl.nn.Parameter p : block.getParameters().values()) {
            if (p.getType() != ai.djl.nn.Parameter.Type.RUNNING_MEAN
                    && p.getType() != ai.djl.nn.Parameter.Type.RUNNING_VAR) {
                n += p.getShape().size();
            }
        }
        return n;
    }

    public Model model() {
        return model;
    }

    /** The device this network's parameters live on; arrays made for it belong there too. */
    public Device runsOn() {
        return model.getNDManager().getDevice();
    }

    /**
     * Checks that a source's images and classes are what this classifier takes.
     *
     * @param role what the source is for, e.g. "test set", for the message
     * @throws ValidationException naming the mismatch and the fix
     */
    public void requireFits(ImageSource source, String role) {
        if (!source.shape().equals(spec.shape())) {
            throw new ValidationException("the " + role + " " + source.description() + " holds " + source.shape()
                    + " images but the " + spec.architecture().label() + " takes " + spec.shape() + "; use data of one "
                    + "shape throughout (compress with --size " + spec.shape().height() + "x" + spec.shape().width()
                    + ")");
        }
        if (!source.classes().equals(spec.classes())) {
            throw new ValidationException("the " + role + " " + source.description() + " has classes "
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
