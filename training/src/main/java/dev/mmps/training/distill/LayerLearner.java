package dev.mmps.training.distill;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.mmps.training.data.ImageSource;
import dev.mmps.training.model.Classifier;
import java.util.Locale;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns a table's {@link CorrectionLayer}: {@code min_theta sum_i L(f(layer_theta(R_i)), f(S_i))} over every
 * rebuilt image {@code R_i} of the table at once, with the teacher {@code f} frozen and in inference mode,
 * {@code S_i} the real image and {@code L} a {@link DistillationLoss}. The layer starts at the identity; Adam
 * takes shuffled batches for some epochs, its step size falling along a cosine. A layer that does not lower
 * the loss over the table is not kept: the identity is.
 */
public final class LayerLearner {

    private static final Logger LOG = LoggerFactory.getLogger(LayerLearner.class);

    /**
     * @param epochs passes over the table
     * @param learningRate Adam's step size
     * @param batchSize images per step
     */
    public record Settings(CorrectionLayer.Form form, DistillationLoss loss, int epochs, float learningRate,
            int batchSize) {
        public Settings {
            if (epochs < 1 || batchSize < 1) {
                throw new IllegalArgumentException("layer epochs " + epochs + " and batch size " + batchSize
                        + " are invalid: both must be at least 1");
            }
            if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
                throw new IllegalArgumentException("layer learning rate " + learningRate + " is invalid: use a "
                        + "positive number such as 0.01");
            }
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s layer, %s loss, %d epochs, learning rate %s, batch %d", form.label(),
                    loss, epochs, learningRate, batchSize);
        }
    }

    /**
     * What a learned layer is and did: its settings and teacher, and the mean per-image loss over the table
     * before (the identity) and after.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Summary(String settings, String table, int images, long storedValues, double lossBefore,
            double lossAfter, boolean kept, double seconds) {}

    /** A learned layer and its summary. */
    public record Outcome(CorrectionLayer layer, Summary summary) {}

    private LayerLearner() {}

    /**
     * @param real the original images, matched to {@code rebuilt} by id
     * @param learnedWith what the summary records of the settings and teacher
     * @throws dev.mmps.settings.ValidationException if the teacher does not fit or an image has no original
     */
    public static Outcome learn(Classifier teacher, ImageSource real, ImageSource rebuilt, Settings settings, int seed,
            String learnedWith) {
        teacher.requireFits(rebuilt, "compressed source");
        teacher.requireFits(real, "original source");
        int[] originals = CorrectionLearner.matchById(real, rebuilt);
        int n = rebuilt.size();
        int classes = rebuilt.classes().size();
        long start = System.nanoTime();
        Engine.getInstance().setRandomSeed(seed);
        CorrectionLayer identity = CorrectionLayer.identity(rebuilt.shape(), settings.form());
        try (Classifier.Thaw thaw = teacher.frozen();
                NDManager manager = NDManager.newBaseManager(teacher.runsOn())) {
            float[] targets = new float[n * classes];
            double before = 0;
            for (int first = 0; first < n; first += settings.batchSize()) {
                int[] batch = range(first, Math.min(n, first + settings.batchSize()));
                try (NDManager sub = manager.newSubManager()) {
                    NDArray target = teacher.logits(real.images(sub, CorrectionLearner.pick(originals, batch)));
                    System.arraycopy(target.toFloatArray(), 0, targets, first * classes, batch.length * classes);
                    before += settings.loss().perImage(teacher.logits(rebuilt.images(sub, batch)), target).sum()
                            .getFloat();
                }
            }
            NDArray w = manager.create(identity.weight(), new Shape(identity.shape().channels(),
                    identity.shape().channels()));
            NDArray b = manager.create(identity.bias());
            NDArray added = settings.form() == CorrectionLayer.Form.CHANNELS ? null : manager.zeros(new Shape(
                    rebuilt.shape().channels(), rebuilt.shape().height(), rebuilt.shape().width()));
            NDArray[] parameters = added == null ? new NDArray[] {w, b} : new NDArray[] {w, b, added};
            for (NDArray p : parameters) {
                p.setRequiresGradient(true);
            }
            int stepsPerEpoch = (n + settings.batchSize() - 1) / settings.batchSize();
            Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.cosine().setBaseValue(settings.learningRate())
                    .optFinalValue(settings.learningRate() / 100).setMaxUpdates(settings.epochs() * stepsPerEpoch)
                    .build()).build();
            Random random = new Random(seed);
            for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
                int[] order = shuffled(n, random);
                double sum = 0;
                for (int first = 0; first < n; first += settings.batchSize()) {
                    int[] batch = java.util.Arrays.copyOfRange(order, first, Math.min(n, first + settings.batchSize()));
                    // The step's images, activations and loss live in a manager closed before the update; the
                    // parameters and Adam's state stay in the outer one.
                    try (NDManager step = manager.newSubManager()) {
                        for (NDArray p : parameters) {
                            p.tempAttach(step);
                        }
                        NDArray target = step.create(pick(targets, batch, classes), new Shape(batch.length, classes));
                        try (GradientCollector collector = step.getEngine().newGradientCollector()) {
                            NDArray loss = settings.loss().perImage(teacher.logits(CorrectionLayer.apply(
                                    rebuilt.images(step, batch), w, b, added)), target);
                            sum += loss.sum().getFloat();
                            collector.backward(loss.mean());
                        }
                    }
                    for (int i = 0; i < parameters.length; i++) {
                        try (NDArray gradient = parameters[i].getGradient()) {
                            adam.update("layer-" + i, parameters[i], gradient);
                        }
                    }
                }
                LOG.info("correction layer: epoch {}/{}, distillation loss {} (identity {})", epoch, settings.epochs(),
                        format(sum / n), format(before / n));
            }
            CorrectionLayer learned = new CorrectionLayer(identity.shape(), settings.form(), w.toFloatArray(),
                    b.toFloatArray(), added == null ? new float[0] : added.toFloatArray());
            double after = 0;
            for (int first = 0; first < n; first += settings.batchSize()) {
                int[] batch = range(first, Math.min(n, first + settings.batchSize()));
                try (NDManager sub = manager.newSubManager()) {
                    NDArray target = sub.create(pick(targets, batch, classes), new Shape(batch.length, classes));
                    after += settings.loss().perImage(teacher.logits(learned.apply(rebuilt.images(sub, batch))), target)
                            .sum().getFloat();
                }
            }
            boolean kept = after < before;
            double seconds = (System.nanoTime() - start) / 1e9;
            LOG.info("correction layer ({}) for {} images of {}: distillation loss {} -> {}{}, {} s", settings, n,
                    rebuilt.description(), format(before / n), format(after / n), kept ? "" : ", not lower: the "
                            + "identity is kept", String.format(Locale.ROOT, "%.1f", seconds));
            CorrectionLayer layer = kept ? learned : identity;
            return new Outcome(layer, new Summary(learnedWith, rebuilt.description(), n, layer.storedValues(),
                    before / n, (kept ? after : before) / n, kept, seconds));
        }
    }

    private static int[] range(int from, int to) {
        return java.util.stream.IntStream.range(from, to).toArray();
    }

    private static int[] shuffled(int n, Random random) {
        int[] order = range(0, n);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** The rows {@code at} of a row-major {@code (N, width)} array. */
    private static float[] pick(float[] rows, int[] at, int width) {
        float[] out = new float[at.length * width];
        for (int i = 0; i < at.length; i++) {
            System.arraycopy(rows, at[i] * width, out, i * width, width);
        }
        return out;
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.5f", v);
    }
}
