package dev.mmps.training.eval;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.mmps.settings.ValidationException;
import dev.mmps.table.FactorTableReader;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.training.data.FactorSource;
import dev.mmps.training.data.ImageSource;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.data.SourceDataset;
import dev.mmps.training.distill.CorrectedSource;
import dev.mmps.training.model.Architecture;
import dev.mmps.training.model.Classifier;
import dev.mmps.training.model.ClassifierTraining;
import dev.mmps.training.select.Selection;
import dev.mmps.training.select.SubsetTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the evaluation grid: for every ratio, method, architecture and seed one fresh student, trained on
 * its source and scored on the real test set. Inputs are checked before anything trains; the teacher and
 * the corrections are made once and kept in the output folder; finished runs are kept in
 * {@code evaluation.json}, so a stopped grid resumes where it stopped.
 */
public final class EvaluationGrid {

    private static final Logger LOG = LoggerFactory.getLogger(EvaluationGrid.class);

    private final EvaluationConfig config;
    private final Path output;
    private OriginalSource train;
    private OriginalSource test;
    private Stages.Teacher teacher;
    private String tableKey;
    private Map<String, Integer> trainIds;
    private FactorSource table;

    public EvaluationGrid(EvaluationConfig config) {
        this.config = config;
        this.output = EvaluationConfig.require(config.output(), "output");
        EvaluationConfig.require(config.train(), "train");
        EvaluationConfig.require(config.test(), "test");
    }

    /** A cell of the grid. */
    private record Cell(Method method, double ratio, Architecture architecture, int seed) {
        String key() {
            return Run.key(method.label(), ratio, architecture.label(), seed);
        }
    }

    /**
     * Runs every cell not yet in the output's {@code evaluation.json}.
     *
     * @return the path of {@code evaluation.json}
     */
    public Path run() {
        List<Cell> cells = cells();
        EvaluationReport report = EvaluationReport.open(output, EvaluationReport.Settings.of(config));
        long todo = cells.stream().filter(c -> !report.has(c.key())).count();
        LOG.info("evaluation: {} runs in the grid, {} done before, {} to run; output {}", cells.size(),
                cells.size() - todo, todo, output);
        test = OriginalReader.read(config.test());
        requireInputs(cells, test.shape());
        train = OriginalReader.read(config.train());
        requireSameClasses();
        long start = System.nanoTime();
        int done = 0;
        for (Cell cell : cells) {
            if (report.has(cell.key())) {
                continue;
            }
            done++;
            LOG.info("run {}/{}: {} at ratio {}, {}, seed {}", done, todo, cell.method().label(),
                    EvaluationConfig.ratioText(cell.ratio()), cell.architecture().label(), cell.seed());
            Run run = runCell(cell, report);
            report.add(run);
            LOG.info("run {}/{}: {} at ratio {}, {}, seed {}: test accuracy {}% ({} s)", done, todo,
                    cell.method().label(), EvaluationConfig.ratioText(cell.ratio()), cell.architecture().label(),
                    cell.seed(), Stages.percent(run.accuracy()), String.format(Locale.ROOT, "%.0f", run.seconds()));
        }
        LOG.info("evaluation finished: {} runs in {}, {} new in {} s; tables in {}", report.size(),
                output.resolve(EvaluationReport.JSON), done,
                String.format(Locale.ROOT, "%.0f", (System.nanoTime() - start) / 1e9),
                output.resolve(EvaluationReport.MARKDOWN));
        return output.resolve(EvaluationReport.JSON);
    }

    /** Ratio by ratio, so each factor table is read once; the full original set once per seed. */
    private List<Cell> cells() {
        List<Cell> cells = new ArrayList<>();
        for (Architecture a : config.architectures()) {
            for (int seed : config.seeds()) {
                if (config.methods().contains(Method.ORIGINAL)) {
                    cells.add(new Cell(Method.ORIGINAL, 1.0, a, seed));
                }
            }
        }
        for (double ratio : config.ratios()) {
            for (Method m : config.methods()) {
                for (Architecture a : config.architectures()) {
                    for (int seed : config.seeds()) {
                        if (m.usesRatio()) {
                            cells.add(new Cell(m, ratio, a, seed));
                        }
                    }
                }
            }
        }
        return cells;
    }

    /**
     * Every table and subset the grid reads exists, and every table holds images of the test set's shape,
     * before anything trains.
     */
    private void requireInputs(List<Cell> cells, ImageShape testShape) {
        java.util.Set<Path> checked = new java.util.HashSet<>();
        for (Cell c : cells) {
            boolean selected = c.method() == Method.RANDOM || c.method() == Method.KCENTER;
            if (selected && config.subsets() != null) {
                Path subset = config.subset(c.method(), c.ratio(), c.seed());
                if (!Files.isRegularFile(subset.resolve("manifest.json"))) {
                    throw new ValidationException("the " + c.method().label() + " subset at ratio "
                            + EvaluationConfig.ratioText(c.ratio()) + ", seed " + c.seed() + " is missing: " + subset
                            + " holds no mmps select output; make it with 'mmps select --input " + config.train()
                            + " --output " + subset + " --method " + c.method().label() + " --ratio "
                            + EvaluationConfig.ratioText(c.ratio()) + " --seed " + c.seed() + "'");
                }
            }
            if (c.method().codec() == null || !checked.add(config.table(c.method().codec(), c.ratio()))) {
                continue;
            }
            Path t = config.table(c.method().codec(), c.ratio());
            if (!Files.isRegularFile(t.resolve("manifest.json"))) {
                throw new ValidationException("the " + c.method().codec() + " table at ratio "
                        + EvaluationConfig.ratioText(c.ratio()) + " is missing: " + t + " holds no mmps output; make "
                        + "it with 'mmps compress --input " + config.train() + " --output " + t + " --codec "
                        + c.method().codec() + " --ratio " + EvaluationConfig.ratioText(c.ratio()) + "'");
            }
            try (FactorTableReader reader = FactorSource.reader(t)) {
                ImageShape shape = reader.hasNext() ? reader.next().shape() : testShape;
                if (!shape.equals(testShape)) {
                    throw new ValidationException("the factor table " + t + " holds " + shape + " images but the "
                            + "test set " + config.test() + " holds " + testShape + "; compress the training split of "
                            + "the test set's dataset, at --size " + testShape.height() + "x" + testShape.width());
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot read " + t, e);
            }
        }
    }

    private void requireSameClasses() {
        if (!test.classes().equals(train.classes()) || !test.shape().equals(train.shape())) {
            throw new ValidationException("the test set " + test.description() + " has classes " + test.classes()
                    + " of " + test.shape() + " but the training set " + train.description() + " has "
                    + train.classes() + " of " + train.shape() + "; use the test split of the same dataset");
        }
    }

    private Run runCell(Cell cell, EvaluationReport report) {
        ImageSource source = train;
        int[] subset = null;
        Long bytes = null;
        switch (cell.method()) {
            case ORIGINAL -> { }
            case RANDOM, KCENTER -> subset = subset(cell, report);
            default -> {
                FactorSource t = table(cell.method().codec(), cell.ratio());
                source = t;
                bytes = t.storedBytes();
                if (cell.method().corrected()) {
                    Stages.Learned learned = corrections(t, cell, report);
                    source = new CorrectedSource(t, learned.corrections());
                    bytes += learned.storedBytes();
                }
            }
        }
        long values = subset == null ? source.storedValues() : (long) subset.length * train.shape().values();
        double storedRatio = (double) values / ((long) (subset == null ? source.size() : train.size())
                * train.shape().values());
        try (Classifier student = Classifier.create(Classifier.Spec.of(cell.architecture(), source, config.mpoBond()))) {
            student.requireFits(test, "test set");
            SourceDataset data = new SourceDataset(source, subset,
                    new SourceDataset.Options(config.batchSize(), true, config.augmentation(), cell.seed()));
            String name = cell.method().label() + "@" + EvaluationConfig.ratioText(cell.ratio()) + "/"
                    + cell.architecture().label() + "/seed " + cell.seed();
            ClassifierTraining.Settings training = config.student().withEpochs(config.schedule().epochs(
                    config.student().epochs(), train.size(), data.size()));
            ClassifierTraining.Result fit = ClassifierTraining.fit(student, data, training, cell.seed(), name);
            double accuracy = ClassifierTraining.accuracy(student,
                    new SourceDataset(test, SourceDataset.Options.inOrder(config.batchSize())));
            return new Run(cell.method().label(), cell.ratio(), cell.architecture().label(), cell.seed(), accuracy,
                    data.size(), values, storedRatio, bytes, fit.epochs(), fit.loss(), fit.trainAccuracy(),
                    fit.seconds());
        }
    }

    private Stages.Teacher teacher(EvaluationReport report) {
        if (teacher == null) {
            Path folder = output.resolve("teacher-" + config.teacher().architecture().label());
            teacher = Stages.teacher(config, train, test, folder);
            report.note("teacher", new TeacherNote(folder.toString(), config.teacher().architecture().label(),
                    teacher.testAccuracy()));
        }
        return teacher;
    }

    /** A selection baseline's subset: made by 'mmps select' when the grid names one, else selected here. */
    private int[] subset(Cell cell, EvaluationReport report) {
        int budget = Selection.budget(train, cell.ratio());
        if (config.subsets() != null) {
            return SubsetTable.read(config.subset(cell.method(), cell.ratio(), cell.seed()), train, budget);
        }
        return cell.method() == Method.RANDOM ? Selection.random(train.size(), budget, cell.seed())
                : Selection.kCenter(train, budget, config.kcenterFeatures(),
                        config.kcenterFeatures() == Selection.Features.TEACHER ? teacher(report).classifier() : null,
                        cell.seed());
    }

    private FactorSource table(String codec, double ratio) {
        String key = codec + "-" + EvaluationConfig.ratioText(ratio);
        if (!key.equals(tableKey)) {
            table = FactorSource.open(config.table(codec, ratio));
            requireTrainingImages(table);
            tableKey = key;
        }
        return table;
    }

    /** A table compressed from other images than the training set (its test split, say) is refused. */
    private void requireTrainingImages(FactorSource t) {
        if (trainIds == null) {
            trainIds = train.indexById();
        }
        for (int i = 0; i < t.size(); i++) {
            if (!trainIds.containsKey(t.id(i))) {
                throw new ValidationException("the factor table " + t.description() + " holds image " + t.id(i)
                        + ", which is not in the training set " + config.train() + "; compress the images given as "
                        + "evaluation.train");
            }
        }
    }

    private Stages.Learned corrections(FactorSource t, Cell cell, EvaluationReport report) {
        String name = cell.method().codec() + "-" + EvaluationConfig.ratioText(cell.ratio());
        Stages.Learned learned = Stages.corrections(teacher(report).classifier(), train, t, config.correction(),
                config.correctionSeed(), output.resolve("corrections").resolve(name));
        report.note("corrections " + name, learned.summary());
        return learned;
    }

    /** What the report notes of the grid's teacher. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    private record TeacherNote(String folder, String architecture, double testAccuracy) {}
}
