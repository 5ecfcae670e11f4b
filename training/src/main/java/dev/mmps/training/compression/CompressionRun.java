package dev.mmps.training.compression;

import ai.djl.nn.SequentialBlock;
import dev.mmps.training.data.Augmentation;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.data.SourceDataset;
import dev.mmps.training.factorised.ProgressiveSchedule;
import dev.mmps.training.model.Classifier;
import dev.mmps.training.model.ClassifierTraining;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One compression of a trained classifier, end to end: decompose, measure, train progressively (the
 * originals fading out) and/or fine-tune, measure again.
 *
 * @param learningRate the starting learning rate of both phases (cosine decay within each)
 */
public record CompressionRun(int batchSize, Augmentation augmentation, float momentum, float weightDecay,
        float learningRate, int seed) {

    private static final Logger LOG = LoggerFactory.getLogger(CompressionRun.class);

    /** The compressed classifier, the notes to save it with, and the report. */
    public record Outcome(Classifier classifier, Classifier.Notes notes, CompressionReport report)
            implements AutoCloseable {
        @Override
        public void close() {
            classifier.close();
        }
    }

    /**
     * @param compressed {@link ModelCompression#decompose}'s result for {@code dense} and {@code request}, which
     *     the outcome takes over (decomposed before the data is read, so that a request the model cannot take
     *     is refused at once)
     * @param name the dense model's name (its folder) for the report
     */
    public Outcome run(Classifier dense, Classifier compressed, String name, ModelCompression.Request request,
            OriginalSource train, OriginalSource test, int progressiveEpochs, int finetuneEpochs) {
        long start = System.nanoTime();
        try {
            SourceDataset testSet = new SourceDataset(test, SourceDataset.Options.inOrder(batchSize));
            SourceDataset trainSet = new SourceDataset(train,
                    new SourceDataset.Options(batchSize, true, augmentation, seed));
            var input = ModelCompression.inputShape(dense);
            List<LayerCosts.Cost> before = LayerCosts.of((SequentialBlock) dense.model().getBlock(), input);
            List<LayerCosts.Cost> after = LayerCosts.of((SequentialBlock) compressed.model().getBlock(), input);
            var plans = compressed.spec().factorisation().byIndex();
            List<Integer> changed = compressed.spec().factorisation().addedTo(dense.spec().factorisation());
            List<CompressionReport.Layer> layers = CompressionReport.layers(before, after, changed,
                    i -> plans.get(i).describe());
            for (CompressionReport.Layer l : layers) {
                LOG.info("layer {}: {} -> {}, {} -> {} parameters", l.index(), l.before(), l.after(),
                        l.parametersBefore(), l.parametersAfter());
            }
            double original = ClassifierTraining.accuracy(dense, testSet);
            double decomposed = ClassifierTraining.accuracy(compressed, testSet);
            CompressionReport.Speed speed = new CompressionReport.Speed(imagesPerSecond(dense, testSet),
                    imagesPerSecond(compressed, testSet));
            LOG.info("inference on the test set: original {} images/s, factorised {} images/s",
                    String.format(Locale.ROOT, "%.0f", speed.original()),
                    String.format(Locale.ROOT, "%.0f", speed.factorised()));
            LOG.info("test accuracy: original {}%, decomposed {}%", percent(original), percent(decomposed));
            Double progressive = null;
            if (progressiveEpochs > 0) {
                ModelCompression.Progressive p = ModelCompression.progressive(dense, compressed,
                        ProgressiveSchedule.overEpochs(progressiveEpochs, ClassifierTraining.stepsPerEpoch(trainSet)));
                compressed.model().setBlock(p.blended());
                try {
                    ClassifierTraining.fit(compressed, trainSet, settings(progressiveEpochs), seed, "progressive",
                            p::atStep);
                } finally {
                    compressed.model().setBlock(p.factorised());
                }
                if (p.share() != 0) {
                    throw new IllegalStateException("the progressive phase ended with the originals at share "
                            + p.share());
                }
                progressive = ClassifierTraining.accuracy(compressed, testSet);
                LOG.info("after {} progressive epoch(s): test accuracy {}%", progressiveEpochs, percent(progressive));
            }
            Double finetuned = null;
            if (finetuneEpochs > 0) {
                ClassifierTraining.fit(compressed, trainSet, settings(finetuneEpochs), seed, "fine-tuning");
                finetuned = ClassifierTraining.accuracy(compressed, testSet);
                LOG.info("after {} fine-tuning epoch(s): test accuracy {}%", finetuneEpochs, percent(finetuned));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double last = finetuned != null ? finetuned : progressive != null ? progressive : decomposed;
            CompressionReport report = new CompressionReport(name, request.describe(), progressiveEpochs,
                    finetuneEpochs, layers, CompressionReport.totals(before, after, layers),
                    new CompressionReport.Accuracy(original, decomposed, progressive, finetuned), speed, seconds);
            Classifier.Notes notes = new Classifier.Notes(request.describe() + " of " + name + ", "
                    + progressiveEpochs + " progressive and " + finetuneEpochs + " fine-tuning epoch(s) at learning rate "
                    + learningRate + ", seed " + seed, train.description(), train.size(),
                    progressiveEpochs + finetuneEpochs, last, seconds);
            return new Outcome(compressed, notes, report);
        } catch (RuntimeException e) {
            compressed.close();
            throw e;
        }
    }

    /** Inference speed on a dataset, timed over one pass; call it after a pass that warmed the network up. */
    private static double imagesPerSecond(Classifier classifier, SourceDataset data) {
        long start = System.nanoTime();
        ClassifierTraining.accuracy(classifier, data);
        return data.size() / ((System.nanoTime() - start) / 1e9);
    }

    private ClassifierTraining.Settings settings(int epochs) {
        return new ClassifierTraining.Settings(epochs, learningRate, momentum, weightDecay);
    }

    private static String percent(double accuracy) {
        return String.format(Locale.ROOT, "%.2f", 100 * accuracy);
    }
}
