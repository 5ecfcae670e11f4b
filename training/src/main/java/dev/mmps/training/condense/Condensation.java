package dev.mmps.training.condense;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.ImageSource;
import dev.mmps.training.files.JsonFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Condenses a training set by trajectory matching (MTT): {@code ipc} images per class in pixel space and the
 * students' learning rate, learned so that a student trained on them for a few steps from an expert's
 * parameters lands where the expert landed some epochs later.
 *
 * <p>Each iteration draws an expert and a start epoch {@code t < max-start-epoch} from a generator seeded by
 * the run's seed and the iteration's number (so a resumed run draws what an uninterrupted one would), takes
 * the matching loss's gradient ({@link TrajectoryMatcher}) and moves the images and the logarithm of the
 * learning rate one Adam step each. MTT moves them by SGD with momentum on ZCA-whitened images; Adam's
 * scale-free steps suit the [0, 1] pixels kept here.
 *
 * <p>The output folder holds {@code checkpoint.json} and the state it names, {@code checkpoint-<iteration>.ndlist},
 * while the run goes (every {@code checkpoint-every} iterations, each written under a temporary name and
 * renamed into place, the state before the description that points at it), and at
 * the end {@code synthetic.ndlist} (images {@code (n, C, H, W)} and label distributions {@code (n, classes)})
 * with {@code manifest.json}, written last: a folder without a manifest is not a finished set.
 */
public final class Condensation {

    private static final Logger LOG = LoggerFactory.getLogger(Condensation.class);

    public static final String MANIFEST = "manifest.json";
    static final String FORMAT = "mmps-synthetic";
    static final int VERSION = 1;
    private static final String CHECKPOINT = "checkpoint";
    private static final String SYNTHETIC = "synthetic.ndlist";

    /**
     * How the set is learned.
     *
     * @param ipc images per class: the budget, in images of the training set's shape
     * @param iterations outer steps
     * @param syntheticSteps the student's SGD steps on the synthetic images each iteration ({@code N})
     * @param expertEpochs the expert epochs the student's steps are matched against ({@code M})
     * @param maxStartEpoch start epochs are drawn from {@code [0, max-start-epoch)}
     * @param imageLearningRate Adam's step on the pixels
     * @param rateLearningRate Adam's step on the logarithm of the students' learning rate
     * @param startRate the students' learning rate at the start
     * @param checkpointEvery iterations between checkpoints
     * @param seed seeds the first images, every draw of expert and epoch, and the batches
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Settings(int ipc, int iterations, int syntheticSteps, int expertEpochs, int maxStartEpoch,
            double imageLearningRate, double rateLearningRate, double startRate, int checkpointEvery, long seed) {

        public Settings {
            ValidationException.check(ipc >= 1, "ipc " + ipc + " is invalid: keep at least 1 image per class");
            ValidationException.check(iterations >= 1, "iterations " + iterations + " is invalid: use 1 or more");
            ValidationException.check(syntheticSteps >= 1, "syn-steps " + syntheticSteps + " is invalid: use 1 or "
                    + "more, such as 20");
            ValidationException.check(expertEpochs >= 1, "expert-epochs " + expertEpochs + " is invalid: use 1 or "
                    + "more, such as 2");
            ValidationException.check(maxStartEpoch >= 1, "max-start-epoch " + maxStartEpoch + " is invalid: use 1 "
                    + "or more (start epochs are drawn below it)");
            ValidationException.check(imageLearningRate > 0 && rateLearningRate >= 0 && startRate > 0,
                    "learning rates must be positive (the rate's own step may be 0 to keep it fixed), not "
                            + imageLearningRate + ", " + rateLearningRate + " and " + startRate);
            ValidationException.check(checkpointEvery >= 1, "checkpoint-every " + checkpointEvery + " is invalid: "
                    + "use 1 or more");
        }
    }

    /** What a finished set is, with the budget it was held to. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Manifest(String format, int version, String method, int images, int height, int width, int channels,
            List<String> classes, long budgetValues, long storedValues, double learningRate, String experts,
            List<Double> losses, Settings settings) {}

    /** The run's state at a checkpoint. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Checkpoint(int iteration, String state, long adamSteps, double learningRate, List<Double> losses,
            Settings settings) {}

    private Condensation() {}

    /**
     * The budget of {@code ipc} images per class of {@code classes} classes of {@code pixels} values each,
     * plus the one learned learning rate that every trajectory-matching method keeps beside its images.
     */
    public static long budget(int ipc, int classes, long pixels) {
        return (long) ipc * classes * pixels + 1;
    }

    /**
     * Learns the set into {@code out}, resuming from its checkpoint when there is one made with the same
     * settings; does nothing when {@code out} already holds the finished set.
     *
     * @param expertsName how the experts are named in the manifest (their path)
     * @throws ValidationException for settings the experts or the training set cannot serve, or an output
     *     holding a set or checkpoint made with other settings
     */
    public static Path mtt(Path out, Experts experts, String expertsName, ImageSource train, Settings s,
            Device device) {
        return mtt(out, experts, expertsName, train, s, device, s.iterations());
    }

    /**
     * As {@link #mtt(Path, Experts, String, ImageSource, Settings, Device)}, but stops with a checkpoint after
     * iteration {@code until} when that comes before the last.
     */
    static Path mtt(Path out, Experts experts, String expertsName, ImageSource train, Settings s, Device device,
            int until) {
        check(experts, train, s);
        if (Files.isRegularFile(out.resolve(MANIFEST))) {
            Manifest found = readManifest(out);
            ValidationException.check(JsonFiles.tree(found.settings()).equals(JsonFiles.tree(s)), out + " already "
                    + "holds a synthetic set made with other settings; choose another output folder");
            LOG.info("{} already holds the finished set", out);
            return out;
        }
        ArrayFiles.createDirectories(out);
        ConvNetFunction network = experts.network();
        TrajectoryMatcher matcher = new TrajectoryMatcher(network, TrajectoryMatcher.DEFAULT_PROBE);
        int classes = network.classes();
        int n = s.ipc() * classes;
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDArray labels = manager.create(classLabels(s.ipc(), classes)).oneHot(classes);
            NDList images;
            NDList logRate;
            AdamState imageAdam;
            AdamState rateAdam;
            int done;
            List<Double> losses = new ArrayList<>();
            Checkpoint checkpoint = readCheckpoint(out);
            if (checkpoint != null) {
                ValidationException.check(JsonFiles.tree(checkpoint.settings()).equals(JsonFiles.tree(s)), out
                        + " holds a checkpoint of a run with other settings (" + JsonFiles.tree(checkpoint.settings())
                        + "); choose another output folder, or delete " + out + " to start again");
                NDList state = ArrayFiles.read(manager, out.resolve(checkpoint.state()));
                images = new NDList(state.get(0));
                logRate = new NDList(state.get(1));
                imageAdam = AdamState.of(new NDList(state.get(2), state.get(3)), checkpoint.adamSteps());
                rateAdam = AdamState.of(new NDList(state.get(4), state.get(5)), checkpoint.adamSteps());
                done = checkpoint.iteration();
                losses.addAll(checkpoint.losses());
                LOG.info("resuming {} from iteration {} of {}", out, done, s.iterations());
            } else {
                images = new NDList(firstImages(train, s, classes, manager));
                logRate = new NDList(manager.create(new float[] {(float) Math.log(s.startRate())}));
                imageAdam = AdamState.zeros(images, manager);
                rateAdam = AdamState.zeros(logRate, manager);
                done = 0;
            }
            long started = System.nanoTime();
            for (int iteration = done + 1; iteration <= Math.min(until, s.iterations()); iteration++) {
                long start = System.nanoTime();
                Random draw = new Random(s.seed() * 1_000_003L + iteration);
                int expert = draw.nextInt(experts.settings().experts());
                int epoch = draw.nextInt(s.maxStartEpoch());
                double rate = Math.exp(logRate.get(0).getFloat());
                double loss;
                try (NDManager step = manager.newSubManager()) {
                    TrajectoryMatcher.Segment segment = new TrajectoryMatcher.Segment(
                            experts.parameters(step, expert, epoch),
                            experts.parameters(step, expert, epoch + s.expertEpochs()));
                    List<NDArray> batches = new ArrayList<>(s.syntheticSteps());
                    for (int k = 0; k < s.syntheticSteps(); k++) {
                        batches.add(step.create(permutation(n, draw)));
                    }
                    NDArray current = images.get(0).duplicate();
                    current.attach(step);
                    TrajectoryMatcher.Gradient g = matcher.match(segment,
                            new TrajectoryMatcher.Synthetic(current, labels, false), rate, batches);
                    loss = g.loss();
                    ValidationException.check(Double.isFinite(loss), "the matching loss is " + loss + " at "
                            + "iteration " + iteration + ": the learning rates are too large; lower "
                            + "image-learning-rate or start-rate");
                    imageAdam.step(images, new NDList(g.images()), s.imageLearningRate());
                    losses.add(loss);
                    NDArray rateGradient = step.create(new float[] {(float) (g.learningRate() * rate)});
                    rateAdam.step(logRate, new NDList(rateGradient), s.rateLearningRate());
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                double perIteration = (System.nanoTime() - started) / 1e9 / (iteration - done);
                LOG.info("iteration {}/{}: matching loss {}, learning rate {}, {} s; about {} min left", iteration,
                        s.iterations(), String.format(Locale.ROOT, "%.4f", loss),
                        String.format(Locale.ROOT, "%.5f", rate), String.format(Locale.ROOT, "%.1f", seconds),
                        String.format(Locale.ROOT, "%.0f", perIteration * (s.iterations() - iteration) / 60));
                if (iteration % s.checkpointEvery() == 0 || iteration == s.iterations() || iteration == until) {
                    NDList state = new NDList(images.get(0), logRate.get(0));
                    state.addAll(imageAdam.moments());
                    state.addAll(rateAdam.moments());
                    saveCheckpoint(out, state, new Checkpoint(iteration, String.format(Locale.ROOT,
                            CHECKPOINT + "-%06d.ndlist", iteration), imageAdam.steps(),
                            Math.exp(logRate.get(0).getFloat()), losses, s), checkpoint);
                    checkpoint = readCheckpoint(out);
                }
            }
            if (until < s.iterations()) {
                return out;
            }
            double rate = Math.exp(logRate.get(0).getFloat());
            ArrayFiles.write(out.resolve(SYNTHETIC), new NDList(images.get(0), labels));
            long pixels = (long) network.channels() * network.height() * network.width();
            long stored = (long) n * pixels + 1;
            long budget = budget(s.ipc(), classes, pixels);
            ValidationException.check(stored <= budget, "the set stores " + stored + " values, over its budget of "
                    + budget);
            JsonFiles.write(out.resolve(MANIFEST), new Manifest(FORMAT, VERSION, "mtt", n, network.height(),
                    network.width(), network.channels(), experts.classes(), budget, stored, rate, expertsName, losses,
                    s));
            LOG.info("synthetic set: {} images ({} per class), {} stored values of a budget of {}, learning rate {}; "
                    + "in {}", n, s.ipc(), stored, budget, String.format(Locale.ROOT, "%.5f", rate), out);
            return out;
        }
    }

    /** The images and label distributions of a finished set, in {@code manager}. */
    public static NDList read(Path folder, NDManager manager) {
        readManifest(folder);
        return ArrayFiles.read(manager, folder.resolve(SYNTHETIC));
    }

    private static void check(Experts experts, ImageSource train, Settings s) {
        int recorded = experts.settings().epochs();
        ValidationException.check(s.maxStartEpoch() - 1 + s.expertEpochs() <= recorded, "max-start-epoch "
                + s.maxStartEpoch() + " and expert-epochs " + s.expertEpochs() + " reach epoch " + (s.maxStartEpoch()
                - 1 + s.expertEpochs()) + ", but the experts have " + recorded + "; lower them, or record experts "
                + "with more epochs");
        ValidationException.check(experts.classes().equals(train.classes()), "the training set's classes "
                + train.classes() + " differ from the experts' " + experts.classes() + "; condense the set the "
                + "experts were trained on");
        var shape = train.shape();
        ConvNetFunction network = experts.network();
        ValidationException.check(shape.height() == network.height() && shape.width() == network.width()
                && shape.channels() == network.channels(), "the training images are " + shape + " but the experts "
                + "were trained on " + network.height() + "x" + network.width() + "x" + network.channels());
        int[] perClass = new int[train.classes().size()];
        for (int i = 0; i < train.size(); i++) {
            perClass[train.label(i)]++;
        }
        for (int c = 0; c < perClass.length; c++) {
            ValidationException.check(perClass[c] >= s.ipc(), "class " + train.classes().get(c) + " has "
                    + perClass[c] + " training images, fewer than ipc " + s.ipc() + "; lower ipc");
        }
    }

    /** {@code ipc} real images of every class, drawn with the run's seed: MTT's starting point. */
    private static NDArray firstImages(ImageSource train, Settings s, int classes, NDManager manager) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < train.size(); i++) {
            byClass.get(train.label(i)).add(i);
        }
        Random random = new Random(s.seed());
        int[] chosen = new int[s.ipc() * classes];
        for (int c = 0; c < classes; c++) {
            java.util.Collections.shuffle(byClass.get(c), random);
            for (int k = 0; k < s.ipc(); k++) {
                chosen[c * s.ipc() + k] = byClass.get(c).get(k);
            }
        }
        return train.images(manager, chosen);
    }

    /** The label of each synthetic image: {@code ipc} of class 0, then of class 1, and so on. */
    private static long[] classLabels(int ipc, int classes) {
        long[] labels = new long[ipc * classes];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i / ipc;
        }
        return labels;
    }

    private static long[] permutation(int n, Random random) {
        long[] order = new long[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static Manifest readManifest(Path folder) {
        Path file = folder.resolve(MANIFEST);
        ValidationException.check(Files.isRegularFile(file), folder + " holds no finished synthetic set (no "
                + MANIFEST + "): run 'mmps condense' to make or finish it");
        try {
            Manifest m = JsonFiles.read(file, Manifest.class);
            ValidationException.check(FORMAT.equals(m.format()) && m.version() <= VERSION, file + " is not a "
                    + "synthetic set this release reads (format " + m.format() + ", version " + m.version() + ")");
            return m;
        } catch (JsonProcessingException e) {
            throw new ValidationException(file + " is damaged (" + e.getOriginalMessage() + "): condense again into "
                    + "an empty folder", e);
        }
    }

    private static Checkpoint readCheckpoint(Path out) {
        Path file = out.resolve(CHECKPOINT + ".json");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JsonFiles.read(file, Checkpoint.class);
        } catch (JsonProcessingException e) {
            throw new ValidationException(file + " is damaged (" + e.getOriginalMessage() + "): delete " + out
                    + " to start again", e);
        }
    }

    /**
     * Writes the state under its iteration's name, then the description that points at it, then deletes the
     * state it replaces: a run stopped at any moment leaves a description and the state it names.
     */
    private static void saveCheckpoint(Path out, NDList state, Checkpoint next, Checkpoint previous) {
        ArrayFiles.write(out.resolve(next.state()), state);
        Path file = out.resolve(CHECKPOINT + ".json");
        Path partial = out.resolve(CHECKPOINT + ".json.partial");
        JsonFiles.write(partial, next);
        try {
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            if (previous != null && !previous.state().equals(next.state())) {
                Files.deleteIfExists(out.resolve(previous.state()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}

