package dev.mmps.training.eval;

import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.FactorSource;
import dev.mmps.training.data.ImageSource;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.data.SourceDataset;
import dev.mmps.training.distill.CorrectionLayer;
import dev.mmps.training.distill.CorrectionLearner;
import dev.mmps.training.distill.CorrectionTable;
import dev.mmps.training.distill.Corrections;
import dev.mmps.training.distill.LayerLearner;
import dev.mmps.training.model.Classifier;
import dev.mmps.training.model.ClassifierTraining;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stages the grid and the commands share: the teacher (trained once and saved, loaded after) and a
 * table's corrections (learned once and written, read after; kept as they are learned, so a stopped run
 * continues), each with what it measured.
 */
public final class Stages {

    private static final Logger LOG = LoggerFactory.getLogger(Stages.class);
    /** How often a table's corrections learned so far are written, for a stopped run to continue from. */
    private static final Duration KEEP_CORRECTIONS_EVERY = Duration.ofMinutes(2);

    private Stages() {}

    /** A trained teacher and its test accuracy. */
    public record Teacher(Classifier classifier, double testAccuracy, Path folder) {}

    /**
     * Loads the teacher saved in {@code folder}, or trains one on {@code train} and saves it there.
     *
     * @throws ValidationException if the test set does not fit the training data, or a teacher kept in
     *     {@code folder} was trained with other settings
     */
    public static Teacher teacher(EvaluationConfig config, ImageSource train, OriginalSource test, Path folder) {
        SourceDataset testSet = new SourceDataset(test, SourceDataset.Options.inOrder(config.batchSize()));
        EvaluationConfig.Teacher t = config.teacher();
        String trainedWith = t.architecture().label() + (t.architecture().isMpo() ? " (bond " + config.mpoBond() + ")" : "")
                + ", " + t.training() + ", seed " + t.seed() + ", on "
                + train.description() + " (" + train.size() + " images)";
        if (Files.isRegularFile(folder.resolve("classifier.json"))) {
            requireSame(Classifier.notes(folder).settings(), trainedWith, "teacher", folder);
            Classifier loaded = Classifier.load(folder);
            loaded.requireFits(train, "training set");
            double accuracy = ClassifierTraining.accuracy(loaded, testSet);
            LOG.info("teacher loaded from {}: {} on {}, test accuracy {}%", folder, loaded.spec().architecture().label(),
                    loaded.spec().shape(), percent(accuracy));
            return new Teacher(loaded, accuracy, folder);
        }
        Classifier teacher = Classifier.create(Classifier.Spec.of(t.architecture(), train, config.mpoBond()));
        teacher.requireFits(test, "test set");
        SourceDataset trainSet = new SourceDataset(train,
                new SourceDataset.Options(config.batchSize(), true, config.augmentation(), t.seed()));
        ClassifierTraining.Result result = ClassifierTraining.fit(teacher, trainSet, t.training(), t.seed(), "teacher");
        double accuracy = ClassifierTraining.accuracy(teacher, testSet);
        teacher.save(folder, new Classifier.Notes(trainedWith, train.description(), train.size(), result.epochs(),
                accuracy, result.seconds()));
        LOG.info("teacher {} trained on {} images in {} s: test accuracy {}%, saved to {}", t.architecture().label(),
                train.size(), String.format(Locale.ROOT, "%.0f", result.seconds()), percent(accuracy), folder);
        return new Teacher(teacher, accuracy, folder);
    }

    /** A table's corrections with the distillation losses and the stored bytes. */
    public record Learned(Corrections corrections, CorrectionTable.Summary summary, long storedBytes) {}

    /** Reads the corrections in {@code folder}, or learns them for {@code table} and writes them there. */
    public static Learned corrections(Classifier teacher, ImageSource originals, FactorSource table,
            CorrectionLearner.Settings settings, int seed, Path folder) {
        String learnedWith = settings + ", seed " + seed + ", for " + table.description() + " with a "
                + teacher.spec().architecture().label() + " teacher";
        if (Files.isRegularFile(folder.resolve(CorrectionTable.TABLE))) {
            CorrectionTable.Summary summary = CorrectionTable.summary(folder);
            requireSame(summary.settings(), learnedWith, "corrections", folder);
            Corrections read = CorrectionTable.read(folder);
            LOG.info("corrections read from {}: {} images, rank {}", folder, read.terms().size(), read.rank());
            return new Learned(read, summary, CorrectionTable.storedBytes(folder));
        }
        CorrectionLearner.Outcome outcome = CorrectionLearner.learn(teacher, originals, table, settings, seed,
                CorrectionTable.checkpoint(folder, learnedWith, KEEP_CORRECTIONS_EVERY));
        CorrectionTable.Summary summary = CorrectionTable.write(folder, outcome.corrections(),
                CorrectionTable.Summary.learned(learnedWith, table.description(),
                        teacher.spec().architecture().label(), settings, outcome));
        return new Learned(outcome.corrections(), summary, summary.storedBytes());
    }

    /** A table's correction layer with its summary and the bytes of its file. */
    public record Layer(CorrectionLayer layer, LayerLearner.Summary summary, long storedBytes) {}

    /** Reads the correction layer in {@code folder}, or learns it for {@code table} and writes it there. */
    public static Layer layer(Classifier teacher, ImageSource originals, ImageSource table, LayerLearner.Settings settings,
            int seed, Path folder) {
        String learnedWith = settings + ", seed " + seed + ", for " + table.description() + " with a "
                + teacher.spec().architecture().label() + " teacher";
        if (Files.isRegularFile(folder.resolve(CorrectionLayer.FILE))) {
            LayerLearner.Summary summary = CorrectionLayer.summary(folder);
            requireSame(summary == null ? null : summary.settings(), learnedWith, "correction layer", folder);
            LOG.info("correction layer read from {}", folder);
            return new Layer(CorrectionLayer.read(folder), summary, CorrectionLayer.storedBytes(folder));
        }
        LayerLearner.Outcome outcome = LayerLearner.learn(teacher, originals, table, settings, seed, learnedWith);
        CorrectionLayer.write(folder, outcome.layer(), outcome.summary());
        return new Layer(outcome.layer(), outcome.summary(), CorrectionLayer.storedBytes(folder));
    }

    /**
     * Results kept in an output folder are reused only if they were made with the settings asked for now;
     * results written before settings were recorded are reused as they are.
     */
    private static void requireSame(String stored, String asked, String what, Path folder) {
        if (stored != null && !stored.equals(asked)) {
            throw new ValidationException("the " + what + " in " + folder + " came from " + stored
                    + ", but the settings now ask for " + asked + "; remove " + folder + " to make it again, or "
                    + "choose another evaluation.output");
        }
    }

    static String percent(double accuracy) {
        return String.format(Locale.ROOT, "%.2f", 100 * accuracy);
    }
}
