package dev.mmps.training.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.training.data.SourceDataset;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a classifier by softmax cross-entropy with SGD and momentum, the learning rate following a cosine
 * from its start to a hundredth of it over the run, and measures top-1 accuracy. Logs each epoch's loss,
 * training accuracy and speed.
 */
public final class ClassifierTraining {

    private static final Logger LOG = LoggerFactory.getLogger(ClassifierTraining.class);

    /**
     * @param epochs passes over the training data
     * @param learningRate the starting learning rate
     * @param momentum SGD momentum
     * @param weightDecay L2 weight decay
     */
    public record Settings(int epochs, float learningRate, float momentum, float weightDecay) {
        /** The same settings for another number of epochs. */
        public Settings withEpochs(int other) {
            return new Settings(other, learningRate, momentum, weightDecay);
        }

        /** The same settings with another starting learning rate. */
        public Settings withLearningRate(float other) {
            return new Settings(epochs, other, momentum, weightDecay);
        }

        public Settings {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs=" + epochs + " is invalid: train for at least 1 epoch");
            }
            if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
                throw new IllegalArgumentException("learning rate " + learningRate + " is invalid: use a positive "
                        + "number such as 0.05");
            }
            if (momentum < 0 || momentum >= 1) {
                throw new IllegalArgumentException("momentum " + momentum + " is invalid: use a value in [0, 1)");
            }
            if (weightDecay < 0) {
                throw new IllegalArgumentException("weight decay " + weightDecay + " is invalid: use 0 or more");
            }
        }
    }

    /**
     * What a run did: the last epoch's mean loss and training accuracy, and the time it took; with held-out
     * images, the epoch whose parameters were kept and their accuracy on those images.
     *
     * @param keptEpoch the epoch whose parameters the classifier holds: the last one without held-out images
     * @param validationAccuracy the kept epoch's accuracy on the held-out images, NaN without them
     */
    public record Result(int epochs, double loss, double trainAccuracy, double seconds, int keptEpoch,
            double validationAccuracy) {}

    private ClassifierTraining() {}

    /**
     * Initialises the classifier's parameters from {@code seed} and trains it on {@code train}.
     *
     * @param name what is trained, for the log
     */
    public static Result fit(Classifier classifier, SourceDataset train, Settings settings, int seed, String name) {
        return fit(classifier, train, settings, seed, name, null, step -> { });
    }

    /**
     * As {@link #fit(Classifier, SourceDataset, Settings, int, String)}, scoring the classifier on held-out
     * images after every epoch and keeping the parameters of the epoch that scored best (the earliest of equals):
     * checkpoint selection on a validation split.
     */
    public static Result fit(Classifier classifier, SourceDataset train, Settings settings, int seed, String name,
            SourceDataset validation) {
        return fit(classifier, train, settings, seed, name, validation, step -> { });
    }

    /**
     * As {@link #fit(Classifier, SourceDataset, Settings, int, String)}, telling {@code beforeStep} the index of
     * each optimisation step (from 0) before its forward pass. Parameters already set (a loaded or
     * decomposed network) are kept, not initialised again.
     */
    public static Result fit(Classifier classifier, SourceDataset train, Settings settings, int seed, String name,
            java.util.function.LongConsumer beforeStep) {
        return fit(classifier, train, settings, seed, name, null, beforeStep);
    }

    private static Result fit(Classifier classifier, SourceDataset train, Settings settings, int seed, String name,
            SourceDataset validation, java.util.function.LongConsumer beforeStep) {
        classifier.requireFits(train.source(), "training source");
        ImageShape shape = classifier.spec().shape();
        long steps = settings.epochs() * stepsPerEpoch(train);
        Tracker rate = Tracker.cosine().setBaseValue(settings.learningRate())
                .optFinalValue(settings.learningRate() / 100).setMaxUpdates((int) Math.max(1, steps)).build();
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(rate).optMomentum(settings.momentum())
                        .optWeightDecays(settings.weightDecay()).build())
                .optDevices(new ai.djl.Device[] {classifier.runsOn()});
        Engine.getInstance().setRandomSeed(seed);
        long start = System.nanoTime();
        double loss = Double.NaN;
        double accuracy = Double.NaN;
        int keptEpoch = settings.epochs();
        double bestValidation = Double.NaN;
        byte[] kept = null;
        try (Trainer trainer = classifier.model().newTrainer(config)) {
            trainer.initialize(new Shape(1, shape.channels(), shape.height(), shape.width()));
            for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                double[] sums = trainEpoch(trainer, train, beforeStep, (long) (epoch - 1) * stepsPerEpoch(train));
                loss = sums[0] / sums[2];
                accuracy = sums[1] / sums[2];
                if (!Double.isFinite(loss)) {
                    throw new ArithmeticException(name + ": the training loss became " + loss + " in epoch " + epoch
                            + " of " + settings.epochs() + " (learning rate " + settings.learningRate() + "); the "
                            + "network's parameters are no longer numbers, so the run stops here rather than save "
                            + "or score them; a lower learning rate (--learning-rate) usually avoids it");
                }
                double seconds = (System.nanoTime() - epochStart) / 1e9;
                String held = "";
                if (validation != null) {
                    double scored = accuracy(classifier, validation);
                    if (!(scored <= bestValidation)) {
                        bestValidation = scored;
                        keptEpoch = epoch;
                        kept = parameters(classifier);
                    }
                    held = ", validation accuracy " + format("%.2f", 100 * scored) + "% (best "
                            + format("%.2f", 100 * bestValidation) + "% at epoch " + keptEpoch + ")";
                }
                LOG.info("{}: epoch {}/{}, loss {}, training accuracy {}%{}, {} s ({} images/s)", name, epoch,
                        settings.epochs(), format("%.4f", loss), format("%.2f", 100 * accuracy), held,
                        format("%.1f", seconds), format("%.0f", sums[2] / seconds));
            }
        }
        if (kept != null && keptEpoch < settings.epochs()) {
            restore(classifier, kept);
        }
        return new Result(settings.epochs(), loss, accuracy, (System.nanoTime() - start) / 1e9, keptEpoch,
                bestValidation);
    }

    /** The classifier's parameters (running statistics included) in DJL's own serialised form. */
    private static byte[] parameters(Classifier classifier) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            classifier.model().getBlock().saveParameters(out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot copy the parameters of " + classifier.spec().architecture()
                    .label() + " into memory", e);
        }
        return bytes.toByteArray();
    }

    private static void restore(Classifier classifier, byte[] parameters) {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(parameters))) {
            classifier.model().getBlock().loadParameters(classifier.model().getNDManager(), in);
        } catch (java.io.IOException | ai.djl.MalformedModelException e) {
            throw new IllegalStateException("the parameters just copied from " + classifier.spec().architecture()
                    .label() + " do not load back into it", e);
        }
    }

    /** Optimisation steps in one pass over a dataset: its batches, the last one possibly short. */
    public static long stepsPerEpoch(SourceDataset train) {
        return (train.size() + train.options().batchSize() - 1) / train.options().batchSize();
    }

    /**
     * One pass: sums of loss times batch size, correct predictions, and images. The sums are kept on the
     * model's device and read once at the end, so no step waits for a copy to the host.
     */
    private static double[] trainEpoch(Trainer trainer, SourceDataset train, java.util.function.LongConsumer beforeStep,
            long firstStep) {
        long images = 0;
        long step = firstStep;
        try (NDManager epoch = trainer.getManager().newSubManager()) {
            NDArray lossSum = epoch.zeros(new Shape(), DataType.FLOAT64);
            NDArray right = epoch.zeros(new Shape(), DataType.INT64);
            for (Batch batch : train.getData(trainer.getManager())) {
                beforeStep.accept(step++);
                try (batch; GradientCollector collector = trainer.newGradientCollector()) {
                    NDList labels = batch.getLabels();
                    NDList out = trainer.forward(batch.getData(), labels);
                    NDArray loss = trainer.getLoss().evaluate(labels, out);
                    collector.backward(loss);
                    lossSum.addi(loss.stopGradient().toType(DataType.FLOAT64, false).mul(batch.getSize()));
                    right.addi(correct(out.singletonOrThrow(), labels.singletonOrThrow()));
                    images += batch.getSize();
                }
                trainer.step();
            }
            return new double[] {lossSum.getDouble(), right.getLong(), images};
        }
    }

    /**
     * Top-1 accuracy on a dataset, in inference mode; the count of right answers stays on the model's device
     * until the end.
     *
     * @throws dev.mmps.settings.ValidationException if the dataset's shape or classes do not fit the classifier
     */
    public static double accuracy(Classifier classifier, SourceDataset test) {
        classifier.requireFits(test.source(), "test set");
        try (NDManager manager = NDManager.newBaseManager(classifier.runsOn())) {
            NDArray right = manager.zeros(new Shape(), DataType.INT64);
            for (Batch batch : test.getData(manager)) {
                try (batch) {
                    right.addi(correct(classifier.logits(batch.getData().singletonOrThrow()),
                            batch.getLabels().singletonOrThrow()));
                }
            }
            return (double) right.getLong() / test.size();
        }
    }

    /** How many of a batch's predictions are right, as an {@code INT64} scalar on the batch's device. */
    private static NDArray correct(NDArray logits, NDArray labels) {
        return logits.argMax(1).toType(DataType.INT64, false).eq(labels.toType(DataType.INT64, false)).sum()
                .toType(DataType.INT64, false);
    }

    private static String format(String pattern, double value) {
        return String.format(Locale.ROOT, pattern, value);
    }
}
