package dev.mmps.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.engine.Engine;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.ImageSource;
import dev.mmps.training.model.Classifier;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns the per-image corrections of the paper's Eq. 7, {@code min sum_i MSE(f(R_i + S~_i), f(S_i))}, with
 * the teacher {@code f} frozen and in inference mode, {@code R_i} the rebuilt image and {@code S_i} the real
 * one. Each image's term affects only its own loss, so the sum splits: images are taken a batch at a time,
 * and each batch's terms are optimised to the end by Adam (its step size falling along a cosine) before the
 * next batch starts. A rank-{@code r} term {@code U V} starts with {@code U} random and {@code V} zero, so the
 * correction itself starts at zero while its gradient does not vanish; an image whose loss the learned term
 * does not lower keeps the zero term. Batches are independent and each starts from a seed drawn in order, so a
 * run stopped between batches continues from its {@link Checkpoint} to the result it would have had.
 */
public final class CorrectionLearner {

    private static final Logger LOG = LoggerFactory.getLogger(CorrectionLearner.class);

    /**
     * @param rank rank of each channel's correction, or 0 for a full term
     * @param steps Adam steps per batch
     * @param learningRate Adam's step size, on the pixel scale
     * @param batchSize images optimised together
     */
    public record Settings(int rank, int steps, float learningRate, int batchSize) {
        public Settings {
            if (rank < 0) {
                throw new IllegalArgumentException("correction rank " + rank + " is invalid: use 0 (a full term per "
                        + "image) or a positive rank such as 2");
            }
            if (steps < 1 || batchSize < 1) {
                throw new IllegalArgumentException("correction steps " + steps + " and batch size " + batchSize
                        + " are invalid: both must be at least 1");
            }
            if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
                throw new IllegalArgumentException("correction learning rate " + learningRate + " is invalid: use a "
                        + "positive number such as 0.01");
            }
        }
    }

    /** The corrections and the distillation loss (mean over images of the logit MSE) before and after. */
    public record Outcome(Corrections corrections, double lossBefore, double lossAfter, double seconds) {}

    /**
     * The batches a run has finished: the corrections of the first rebuilt images in their order, the sums of
     * their per-image losses before and after, and the seconds spent on them.
     */
    public record Progress(Corrections corrections, double lossBefore, double lossAfter, double seconds) {}

    /** Keeps a run's finished batches so that a stopped run continues after the last batch kept. */
    public interface Checkpoint {

        /** Keeps nothing: a stopped run starts again. */
        Checkpoint NONE = new Checkpoint() {
            @Override
            public Progress resume() {
                return null;
            }

            @Override
            public void keep(Progress progress) {}
        };

        /** What an earlier run with the same settings kept, or null. */
        Progress resume();

        /** Called after every batch with all finished so far; may keep only some of the calls. */
        void keep(Progress progress);
    }

    private CorrectionLearner() {}

    /** Learns without keeping progress; see {@link #learn(Classifier, ImageSource, ImageSource, Settings, int, Checkpoint)}. */
    public static Outcome learn(Classifier teacher, ImageSource real, ImageSource rebuilt, Settings settings, int seed) {
        return learn(teacher, real, rebuilt, settings, seed, Checkpoint.NONE);
    }

    /**
     * @param teacher a classifier trained on the original images
     * @param real the original images, matched to {@code rebuilt} by id
     * @param rebuilt the compressed images to correct
     * @param checkpoint where finished batches are kept, and found again by a run that was stopped
     * @throws ValidationException if the teacher does not fit the data, an image has no original, or the kept
     *     progress is not a run of these settings on these images
     */
    public static Outcome learn(Classifier teacher, ImageSource real, ImageSource rebuilt, Settings settings, int seed,
            Checkpoint checkpoint) {
        teacher.requireFits(rebuilt, "compressed source");
        teacher.requireFits(real, "original source");
        int[] originals = matchById(real, rebuilt);
        Engine.getInstance().setRandomSeed(seed);
        Random random = new Random(seed);
        Map<String, Corrections.Term> terms = new LinkedHashMap<>();
        double before = 0;
        double after = 0;
        double earlierSeconds = 0;
        Progress kept = checkpoint.resume();
        if (kept != null) {
            requireResumable(kept, rebuilt, settings, checkpoint);
            terms.putAll(kept.corrections().terms());
            before = kept.lossBefore();
            after = kept.lossAfter();
            earlierSeconds = kept.seconds();
            LOG.info("corrections: continuing after the {}/{} images an earlier run finished", terms.size(),
                    rebuilt.size());
        }
        int done = terms.size();
        long start = System.nanoTime();
        long lastLog = start;
        try (Classifier.Thaw thaw = teacher.frozen();
                NDManager manager = NDManager.newBaseManager(teacher.runsOn())) {
            for (int first = 0; first < rebuilt.size(); first += settings.batchSize()) {
                long batchSeed = random.nextLong();
                if (first < done) {
                    continue;
                }
                int[] batch = java.util.stream.IntStream.range(first, Math.min(rebuilt.size(), first + settings.batchSize()))
                        .toArray();
                try (NDManager sub = manager.newSubManager()) {
                    BatchTerms learned = learnBatch(teacher, real.images(sub, pick(originals, batch)),
                            rebuilt.images(sub, batch), settings, batchSeed);
                    for (int i = 0; i < batch.length; i++) {
                        terms.put(rebuilt.id(batch[i]), learned.term(i));
                    }
                    before += learned.lossBefore();
                    after += learned.lossAfter();
                }
                checkpoint.keep(new Progress(new Corrections(rebuilt.shape(), settings.rank(), terms), before, after,
                        earlierSeconds + (System.nanoTime() - start) / 1e9));
                if (System.nanoTime() - lastLog > 30e9) {
                    lastLog = System.nanoTime();
                    LOG.info("corrections: {}/{} images, distillation loss {} -> {}", terms.size(), rebuilt.size(),
                            format(before / terms.size()), format(after / terms.size()));
                }
            }
        }
        double seconds = earlierSeconds + (System.nanoTime() - start) / 1e9;
        Outcome outcome = new Outcome(new Corrections(rebuilt.shape(), settings.rank(), terms), before / rebuilt.size(),
                after / rebuilt.size(), seconds);
        LOG.info("corrections learned for {} images of {} (rank {}, {} steps): distillation loss {} -> {}, {} s",
                rebuilt.size(), rebuilt.description(), settings.rank(), settings.steps(), format(outcome.lossBefore()),
                format(outcome.lossAfter()), String.format(Locale.ROOT, "%.1f", seconds));
        return outcome;
    }

    /**
     * Kept progress fits this run if it holds whole batches of the first rebuilt images, in order, with terms of
     * this rank on these images' shape.
     */
    private static void requireResumable(Progress kept, ImageSource rebuilt, Settings settings, Checkpoint where) {
        Corrections c = kept.corrections();
        int n = c.terms().size();
        boolean fits = n <= rebuilt.size() && (n % settings.batchSize() == 0 || n == rebuilt.size())
                && c.shape().equals(rebuilt.shape()) && c.rank() == settings.rank();
        int i = 0;
        for (String id : c.terms().keySet()) {
            if (!fits || !id.equals(rebuilt.id(i))) {
                throw new ValidationException("the corrections kept by an earlier run (" + n + " images) do not "
                        + "continue this run on " + rebuilt.description() + " at image " + i + " ("
                        + id + "): they come from other images or settings; remove " + where + " to learn "
                        + "the corrections from the start");
            }
            i++;
        }
    }

    /** One batch's learned factors, image after image, and its summed per-image losses before and after. */
    private record BatchTerms(int images, float[] u, float[] v, double lossBefore, double lossAfter) {
        Corrections.Term term(int i) {
            int uPer = u.length / images;
            int vPer = v.length / images;
            return new Corrections.Term(Arrays.copyOfRange(u, i * uPer, (i + 1) * uPer),
                    Arrays.copyOfRange(v, i * vPer, (i + 1) * vPer));
        }
    }

    /** Optimises the terms of one batch of rebuilt images against the teacher's logits on the real ones. */
    private static BatchTerms learnBatch(Classifier teacher, NDArray real, NDArray rebuilt, Settings s, long seed) {
        NDManager m = rebuilt.getManager();
        Shape shape = rebuilt.getShape();
        int b = (int) shape.get(0);
        NDArray target = teacher.logits(real);
        NDArray u;
        NDArray v = null;
        if (s.rank() == 0) {
            u = m.zeros(shape);
        } else {
            m.getEngine().setRandomSeed((int) seed);
            u = m.randomNormal(new Shape(b, shape.get(1), shape.get(2), s.rank()));
            v = m.zeros(new Shape(b, shape.get(1), s.rank(), shape.get(3)));
            v.setRequiresGradient(true);
        }
        u.setRequiresGradient(true);
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.cosine().setBaseValue(s.learningRate())
                .optFinalValue(s.learningRate() / 100).setMaxUpdates(s.steps()).build()).build();
        NDArray before = distillationLoss(teacher, rebuilt, target);
        for (int step = 0; step < s.steps(); step++) {
            // Each step's activations, product and loss live in a manager of their own, closed before the
            // update, so a batch holds one step's arrays at a time; the terms and Adam's state stay in m.
            try (NDManager stepArrays = m.newSubManager()) {
                for (NDArray a : new NDArray[] {rebuilt, target, u, v}) {
                    if (a != null) {
                        a.tempAttach(stepArrays);
                    }
                }
                try (GradientCollector collector = m.getEngine().newGradientCollector()) {
                    collector.backward(distillationLoss(teacher, rebuilt.add(product(u, v)), target).sum());
                }
            }
            update(adam, "u", u);
            if (v != null) {
                update(adam, "v", v);
            }
        }
        NDArray after = distillationLoss(teacher, rebuilt.add(product(u, v)), target);
        return keepImprovements(b, u.toFloatArray(), v == null ? new float[0] : v.toFloatArray(),
                before.toFloatArray(), after.toFloatArray());
    }

    /**
     * Each image keeps its learned term only where it lowered that image's loss; elsewhere the term stays
     * zero, its starting point, so a correction never raises the distillation loss (an image rebuilt almost
     * exactly can otherwise be overshot by a few normalised steps).
     */
    private static BatchTerms keepImprovements(int b, float[] u, float[] v, float[] before, float[] after) {
        double sumBefore = 0;
        double sumAfter = 0;
        int uPer = u.length / b;
        int vPer = v.length / b;
        for (int i = 0; i < b; i++) {
            sumBefore += before[i];
            if (after[i] < before[i]) {
                sumAfter += after[i];
            } else {
                sumAfter += before[i];
                Arrays.fill(u, i * uPer, (i + 1) * uPer, 0f);
                Arrays.fill(v, i * vPer, (i + 1) * vPer, 0f);
            }
        }
        return new BatchTerms(b, u, v, sumBefore, sumAfter);
    }

    private static void update(Optimizer adam, String name, NDArray parameter) {
        try (NDArray gradient = parameter.getGradient()) {
            adam.update(name, parameter, gradient);
        }
    }

    /** The correction itself: {@code U V} per channel, or the full term {@code U} at rank 0. */
    private static NDArray product(NDArray u, NDArray v) {
        return v == null ? u : u.matMul(v);
    }

    /** Per image, the mean squared difference of the teacher's logits from the target logits. */
    static NDArray distillationLoss(Classifier teacher, NDArray images, NDArray target) {
        return teacher.logits(images).sub(target).square().mean(new int[] {1});
    }

    static int[] matchById(ImageSource real, ImageSource rebuilt) {
        Map<String, Integer> byId = real.indexById();
        int[] match = new int[rebuilt.size()];
        for (int i = 0; i < rebuilt.size(); i++) {
            Integer o = byId.get(rebuilt.id(i));
            if (o == null) {
                throw new ValidationException("image " + rebuilt.id(i) + " of " + rebuilt.description()
                        + " is not among the originals in " + real.description() + "; pass the images the table was "
                        + "compressed from");
            }
            match[i] = o;
        }
        return match;
    }

    /** {@code values} at the positions {@code at}. */
    static int[] pick(int[] values, int[] at) {
        int[] out = new int[at.length];
        for (int i = 0; i < at.length; i++) {
            out[i] = values[at[i]];
        }
        return out;
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.5f", v);
    }
}
