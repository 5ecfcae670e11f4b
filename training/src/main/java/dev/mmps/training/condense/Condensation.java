package dev.mmps.training.condense;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Condenses a training set by trajectory matching: a synthetic set in one of the forms of {@link SyntheticForm}
 * (MTT's pixels, NSD's spectrum tensors and kernels, MTT-LSS's low-rank spaces) and the students' learning
 * rate, learned so that a student trained on it for a few steps from an expert's parameters lands where the
 * expert landed some epochs later.
 *
 * <p>Each iteration draws an expert, a start epoch {@code t} below the matching window's bound and the
 * student's batches from a generator seeded by the run's seed and the iteration's number (so a resumed run
 * draws what an uninterrupted one would), rebuilds the images and labels from the stored arrays, takes the
 * matching loss's gradient with respect to them ({@link TrajectoryMatcher}), carries it back to the arrays by
 * one backward pass through the rebuilding, and moves the arrays and the logarithm of the learning rate one
 * Adam step each. Each student step's batch is flipped and shifted as the experts' training batches were
 * ({@link BatchTransform}, one draw per step, as MTT's DSA draws per batch). MTT moves the images by SGD with
 * momentum on ZCA-whitened images; Adam's scale-free steps suit the [0, 1] pixels kept here. NSD adds its real-data guidance term; MTT-LSS learns soft labels and widens
 * its window over the run.
 *
 * <p>The output folder holds {@code checkpoint.json} and the state it names, {@code checkpoint-<iteration>.ndlist},
 * while the run goes (every {@code checkpoint-every} iterations, each written under a temporary name and
 * renamed into place, the state before the description that points at it), and at the end the synthetic table
 * ({@link SyntheticTable}), whose manifest is written last: a folder without a manifest is not a finished set.
 */
public final class Condensation {

    private static final Logger LOG = LoggerFactory.getLogger(Condensation.class);

    public static final String MANIFEST = SyntheticTable.MANIFEST;
    private static final String CHECKPOINT = "checkpoint";
    /** The methods, in the order the help lists them. */
    public static final List<String> METHODS = List.of("mtt", "nsd", "lss");

    /**
     * How the set is learned.
     *
     * @param method {@code mtt}, {@code nsd} or {@code lss}
     * @param ipc images per class: the budget, in images of the training set's shape
     * @param iterations outer steps
     * @param syntheticSteps the student's SGD steps on the synthetic images each iteration ({@code N})
     * @param syntheticBatch images per student step; 0 for the budget's images ({@code ipc} per class), and
     *     never more than the set holds
     * @param expertEpochs the expert epochs the student's steps are matched against ({@code M})
     * @param maxStartEpoch start epochs are drawn from {@code [0, max-start-epoch)}
     * @param imageLearningRate Adam's step on the stored arrays (pixels on the [0, 1] scale for mtt)
     * @param rateLearningRate Adam's step on the logarithm of the students' learning rate
     * @param startRate the students' learning rate at the start
     * @param checkpointEvery iterations between checkpoints
     * @param seed seeds the starting images, every draw of expert and epoch, and the batches
     * @param nsd NSD's sizes, null for the other methods
     * @param lss MTT-LSS's sizes, null for the other methods
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Settings(String method, int ipc, int iterations, int syntheticSteps, int syntheticBatch,
            int expertEpochs, int maxStartEpoch, double imageLearningRate, double rateLearningRate, double startRate,
            int checkpointEvery, long seed, SpectralForm.Settings nsd, LowRankForm.Settings lss) {

        public Settings {
            ValidationException.check(METHODS.contains(method), "method " + method + " is unknown: use one of "
                    + METHODS);
            ValidationException.check(ipc >= 1, "ipc " + ipc + " is invalid: keep at least 1 image per class");
            ValidationException.check(iterations >= 1, "iterations " + iterations + " is invalid: use 1 or more");
            ValidationException.check(syntheticSteps >= 1, "syn-steps " + syntheticSteps + " is invalid: use 1 or "
                    + "more, such as 20");
            ValidationException.check(syntheticBatch >= 0, "syn-batch " + syntheticBatch + " is invalid: use 0 "
                    + "(the budget's images) or a positive number of images");
            ValidationException.check(expertEpochs >= 1, "expert-epochs " + expertEpochs + " is invalid: use 1 or "
                    + "more, such as 2");
            ValidationException.check(maxStartEpoch >= 1, "max-start-epoch " + maxStartEpoch + " is invalid: use 1 "
                    + "or more (start epochs are drawn below it)");
            ValidationException.check(imageLearningRate > 0 && rateLearningRate >= 0 && startRate > 0,
                    "learning rates must be positive (the rate's own step may be 0 to keep it fixed), not "
                            + imageLearningRate + ", " + rateLearningRate + " and " + startRate);
            ValidationException.check(checkpointEvery >= 1, "checkpoint-every " + checkpointEvery + " is invalid: "
                    + "use 1 or more");
            ValidationException.check(!method.equals("nsd") || nsd != null, "nsd needs its sizes (condense.nsd)");
            ValidationException.check(!method.equals("lss") || lss != null, "lss needs its sizes (condense.lss)");
        }

        /**
         * These settings for another method and budget, with the method blocks given; everything the methods
         * share stays as it is.
         */
        public Settings with(String otherMethod, int otherIpc, SpectralForm.Settings nsdSizes,
                LowRankForm.Settings lssSizes) {
            return new Settings(otherMethod, otherIpc, iterations, syntheticSteps, syntheticBatch, expertEpochs,
                    maxStartEpoch, imageLearningRate, rateLearningRate, startRate, checkpointEvery, seed, nsdSizes,
                    lssSizes);
        }

        /**
         * These settings with only the method's own block: what a run is, so that the other methods' defaults
         * may change without making a finished set or a checkpoint look foreign.
         */
        public Settings ownBlockOnly() {
            return with(method, ipc, method.equals("nsd") ? nsd : null, method.equals("lss") ? lss : null);
        }

        /**
         * {@link #ownBlockOnly()} with every size that the budget decides fixed for images of this frame
         * (MTT-LSS's rank {@code auto}): what a finished set's manifest records.
         */
        public Settings forFrame(SyntheticForm.Frame frame) {
            return method.equals("lss") ? with(method, ipc, null, lss.forBudget(frame, ipc)) : ownBlockOnly();
        }

        /** The bound below which iteration {@code k}'s start epoch is drawn: MTT-LSS widens it over the run. */
        int startBound(int iteration) {
            if (!method.equals("lss") || lss.windowStart() >= 1 || iterations == 1) {
                return maxStartEpoch;
            }
            double fraction = lss.windowStart() + (1 - lss.windowStart()) * (iteration - 1) / (iterations - 1.0);
            return Math.max(1, Math.min(maxStartEpoch, (int) Math.ceil(fraction * maxStartEpoch)));
        }
    }

    /** The run's state at a checkpoint. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Checkpoint(int iteration, String state, long adamSteps, double learningRate, List<Double> losses,
            double seconds, long startRssMb, long peakRssMb, Settings settings) {}

    private Condensation() {}

    /** The form the settings give on images like the experts'. */
    public static SyntheticForm form(Experts experts, Settings s) {
        return SyntheticForm.of(s, frame(experts));
    }

    /** The images the experts were trained on, as a synthetic set sees them. */
    static SyntheticForm.Frame frame(Experts experts) {
        ConvNetFunction network = experts.network();
        return new SyntheticForm.Frame(network.classes(), network.channels(), network.height(), network.width());
    }

    /**
     * Learns the set into {@code out}, resuming from its checkpoint when there is one made with the same
     * settings; does nothing when {@code out} already holds the finished set.
     *
     * @param expertsName how the experts are named in the manifest (their path)
     * @throws ValidationException for settings the experts or the training set cannot serve, a form over its
     *     budget, or an output holding a set or checkpoint made with other settings
     */
    public static Path run(Path out, Experts experts, String expertsName, ImageSource train, Settings s,
            Device device) {
        return run(out, experts, expertsName, train, s, device, s.iterations());
    }

    /**
     * As {@link #run(Path, Experts, String, ImageSource, Settings, Device)}, but stops with a checkpoint after
     * iteration {@code until} when that comes before the last.
     */
    static Path run(Path out, Experts experts, String expertsName, ImageSource train, Settings s, Device device,
            int until) {
        Integer aim = s.method().equals("lss") && s.lss().rank() == null ? s.lss().autoImages() : null;
        s = s.forFrame(frame(experts));
        SyntheticForm form = form(experts, s);
        if (aim != null) {
            LOG.info("lss.rank auto: rank {} keeps {} images a class at ipc {}, the nearest to lss.auto-images {}",
                    s.lss().rank(), form.imagesPerClass(), s.ipc(), aim);
        }
        check(experts, train, s, form);
        if (Files.isRegularFile(out.resolve(MANIFEST))) {
            SyntheticTable.Manifest found = SyntheticTable.manifest(out);
            ValidationException.check(JsonFiles.tree(found.settings()).equals(JsonFiles.tree(s)), out + " already "
                    + "holds a synthetic set made with other settings; choose another output folder");
            LOG.info("{} already holds the finished set", out);
            return out;
        }
        ArrayFiles.createDirectories(out);
        ConvNetFunction network = experts.network();
        TrajectoryMatcher matcher = new TrajectoryMatcher(network, TrajectoryMatcher.DEFAULT_PROBE);
        int n = form.images();
        int batch = Math.min(n, s.syntheticBatch() == 0 ? s.ipc() * network.classes() : s.syntheticBatch());
        long budget = form.frame().budget(s.ipc());
        int count = form.names().size();
        double[] rates = new double[count];
        Arrays.fill(rates, s.imageLearningRate());
        if (form.softLabels()) {
            rates[count - 1] = s.lss().labelLearningRate();
        }
        LOG.info("{}: {} images ({} per class) from {} stored values of a budget of {}, {} of it ({}); {} images "
                + "a step", s.method(), n, form.imagesPerClass(), form.storedValues(), budget,
                String.format(Locale.ROOT, "%.3f", (double) form.storedValues() / budget), describe(form), batch);
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDList arrays;
            NDList logRate;
            AdamState arrayAdam;
            AdamState rateAdam;
            int done;
            List<Double> losses = new ArrayList<>();
            double secondsBefore = 0;
            long startRss = residentMegabytes();
            long peakRss = startRss;
            Checkpoint checkpoint = readCheckpoint(out);
            if (checkpoint != null) {
                ValidationException.check(JsonFiles.tree(checkpoint.settings()).equals(JsonFiles.tree(s)), out
                        + " holds a checkpoint of a run with other settings (" + JsonFiles.tree(checkpoint.settings())
                        + "); choose another output folder, or delete " + out + " to start again");
                NDList state = ArrayFiles.read(manager, out.resolve(checkpoint.state()));
                arrays = new NDList(state.subList(0, count));
                logRate = new NDList(state.get(count));
                arrayAdam = AdamState.of(new NDList(state.subList(count + 1, 3 * count + 1)), checkpoint.adamSteps());
                rateAdam = AdamState.of(new NDList(state.subList(3 * count + 1, 3 * count + 3)),
                        checkpoint.adamSteps());
                done = checkpoint.iteration();
                losses.addAll(checkpoint.losses());
                secondsBefore = checkpoint.seconds();
                startRss = checkpoint.startRssMb();
                peakRss = Math.max(peakRss, checkpoint.peakRssMb());
                LOG.info("resuming {} from iteration {} of {}", out, done, s.iterations());
            } else {
                arrays = form.initial(train, s.seed(), manager);
                logRate = new NDList(manager.create(new float[] {(float) Math.log(s.startRate())}));
                arrayAdam = AdamState.zeros(arrays, manager);
                rateAdam = AdamState.zeros(logRate, manager);
                done = 0;
            }
            long started = System.nanoTime();
            for (int iteration = done + 1; iteration <= Math.min(until, s.iterations()); iteration++) {
                long start = System.nanoTime();
                Random draw = new Random(s.seed() * 1_000_003L + iteration);
                int expert = draw.nextInt(experts.settings().experts());
                int epoch = draw.nextInt(s.startBound(iteration));
                double rate = Math.exp(logRate.get(0).getFloat());
                double loss;
                try (NDManager step = manager.newSubManager()) {
                    TrajectoryMatcher.Segment segment = new TrajectoryMatcher.Segment(
                            experts.parameters(step, expert, epoch),
                            experts.parameters(step, expert, epoch + s.expertEpochs()));
                    List<NDArray> batches = new ArrayList<>(s.syntheticSteps());
                    List<BatchTransform> transforms = new ArrayList<>(s.syntheticSteps());
                    for (int k = 0; k < s.syntheticSteps(); k++) {
                        batches.add(step.create(Arrays.copyOf(permutation(n, draw), batch)));
                        transforms.add(BatchTransform.draw(experts.settings().augmentation(), draw));
                    }
                    TrajectoryMatcher.Guidance guidance = guidance(s, train, network.classes(), batch, draw, step);
                    Rebuilt rebuilt = rebuild(form, arrays, step);
                    TrajectoryMatcher.Gradient g = matcher.match(segment, new TrajectoryMatcher.Synthetic(
                            rebuilt.images(), rebuilt.labels(), form.softLabels()), rate, batches, transforms, guidance);
                    loss = g.loss();
                    ValidationException.check(Double.isFinite(loss), "the matching loss is " + loss + " at "
                            + "iteration " + iteration + ": the learning rates are too large; lower "
                            + "image-learning-rate or start-rate");
                    arrayAdam.step(arrays, rebuilt.backward(g), rates);
                    losses.add(loss);
                    NDArray rateGradient = step.create(new float[] {(float) (g.learningRate() * rate)});
                    rateAdam.step(logRate, new NDList(rateGradient), new double[] {s.rateLearningRate()});
                }
                double took = (System.nanoTime() - start) / 1e9;
                long resident = residentMegabytes();
                peakRss = Math.max(peakRss, resident);
                double perIteration = (System.nanoTime() - started) / 1e9 / (iteration - done);
                LOG.info("iteration {}/{}: matching loss {}, learning rate {}, {} s, resident {} MB; about {} min left",
                        iteration, s.iterations(), String.format(Locale.ROOT, "%.4f", loss),
                        String.format(Locale.ROOT, "%.5f", rate), String.format(Locale.ROOT, "%.1f", took), resident,
                        String.format(Locale.ROOT, "%.0f", perIteration * (s.iterations() - iteration) / 60));
                if (iteration % s.checkpointEvery() == 0 || iteration == s.iterations() || iteration == until) {
                    NDList state = new NDList(arrays);
                    state.add(logRate.get(0));
                    state.addAll(arrayAdam.moments());
                    state.addAll(rateAdam.moments());
                    saveCheckpoint(out, state, new Checkpoint(iteration, String.format(Locale.ROOT,
                            CHECKPOINT + "-%06d.ndlist", iteration), arrayAdam.steps(),
                            Math.exp(logRate.get(0).getFloat()), losses,
                            secondsBefore + (System.nanoTime() - started) / 1e9, startRss, peakRss, s), checkpoint);
                    checkpoint = readCheckpoint(out);
                }
            }
            if (until < s.iterations()) {
                return out;
            }
            double rate = Math.exp(logRate.get(0).getFloat());
            SyntheticTable.write(out, form, arrays, new SyntheticTable.Manifest(SyntheticTable.FORMAT,
                    SyntheticTable.version(form), s.method(), n, form.imagesPerClass(), network.height(), network.width(),
                    network.channels(), experts.classes(), form.softLabels(), budget, form.storedValues(), rate,
                    SyntheticTable.arrays(form), expertsName, losses, secondsBefore + (System.nanoTime() - started) / 1e9,
                    startRss, peakRss, s));
            LOG.info("synthetic set: {} images ({} per class), {} stored values of a budget of {}, learning rate {}; "
                    + "in {}", n, form.imagesPerClass(), form.storedValues(), budget, String.format(Locale.ROOT, "%.5f", rate), out);
            return out;
        }
    }

    /**
     * The process's resident memory in MB now (Linux's {@code VmRSS}; -1 elsewhere): sampled every iteration,
     * its largest value is the run's peak.
     */
    static long residentMegabytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** The arrays' sizes in words, for the log. */
    private static String describe(SyntheticForm form) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < form.names().size(); i++) {
            b.append(i == 0 ? "" : ", ").append(form.names().get(i)).append(' ').append(form.shapes().get(i));
        }
        return b.toString();
    }

    /** NSD's real batch for this iteration, or null for the other methods. */
    private static TrajectoryMatcher.Guidance guidance(Settings s, ImageSource train, int classes, int batch,
            Random draw, NDManager step) {
        if (!s.method().equals("nsd") || s.nsd().guidance() == 0) {
            return null;
        }
        int[] indices = new int[Math.min(batch, train.size())];
        long[] labels = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = draw.nextInt(train.size());
            labels[i] = train.label(indices[i]);
        }
        return new TrajectoryMatcher.Guidance(train.images(step, indices), step.create(labels).oneHot(classes),
                s.nsd().guidance());
    }

    /**
     * The images and labels the arrays rebuild, as plain arrays for the matcher, with what carries the matcher's
     * gradients back to the arrays.
     */
    record Rebuilt(NDArray images, NDArray labels, NDList leaves, NDArray graphImages, NDArray graphLabels) {

        /** The gradient with respect to the arrays, in their order, of the matcher's loss. */
        NDList backward(TrajectoryMatcher.Gradient g) {
            boolean gradMode = JniUtils.isGradMode();
            JniUtils.setGradMode(true);
            try {
                NDArray total = graphImages.mul(g.images()).sum();
                if (g.labels() != null) {
                    total = total.add(graphLabels.mul(g.labels()).sum());
                }
                JniUtils.backward((PtNDArray) total, (PtNDArray) total.onesLike(), false, false);
            } finally {
                JniUtils.setGradMode(gradMode);
            }
            NDList gradients = new NDList(leaves.size());
            for (NDArray leaf : leaves) {
                gradients.add(leaf.getGradient());
            }
            return gradients;
        }
    }

    static Rebuilt rebuild(SyntheticForm form, NDList arrays, NDManager step) {
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try {
            NDList leaves = ConvNetFunction.leaves(arrays, step);
            NDArray images = form.images(leaves);
            NDArray labels = form.labels(leaves);
            images.attach(step);
            labels.attach(step);
            NDArray plainImages = JniUtils.detachGradient((PtNDArray) images);
            plainImages.attach(step);
            NDArray plainLabels = JniUtils.detachGradient((PtNDArray) labels);
            plainLabels.attach(step);
            return new Rebuilt(plainImages, plainLabels, leaves, images, labels);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    private static void check(Experts experts, ImageSource train, Settings s, SyntheticForm form) {
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
            ValidationException.check(perClass[c] >= form.startingImagesPerClass(), "class "
                    + train.classes().get(c) + " has " + perClass[c] + " training images, fewer than the "
                    + form.startingImagesPerClass() + " real images " + s.method() + " starts from at ipc " + s.ipc()
                    + "; lower ipc" + (s.method().equals("lss") ? ", or raise lss.rank (now " + s.lss().rank()
                            + "; with rank auto, lower lss.auto-images): fewer, richer images" : ""));
        }
    }

    static long[] permutation(int n, Random random) {
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
        JsonFiles.write(out.resolve(CHECKPOINT + ".json"), next);
        try {
            if (previous != null && !previous.state().equals(next.state())) {
                Files.deleteIfExists(out.resolve(previous.state()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + out.resolve(previous.state()) + ": " + e.getMessage(), e);
        }
    }
}

