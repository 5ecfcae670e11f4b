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
import dev.mmps.training.distill.LayeredSource;
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
    /** What students train on: the training set, or its part outside the validation split. */
    private ImageSource trainingPart;
    private ValidationSplit split;
    /** The training set's indices of {@link #trainingPart}'s images. */
    private int[] trainingIndices;
    private SourceDataset validation;
    private final Map<Architecture, Float> learningRates = new java.util.HashMap<>();
    private OriginalSource test;
    private Stages.Teacher teacher;
    private String tableKey;
    private Map<String, Integer> trainIds;
    private FactorSource table;
    /** Whether this process is one of a grid's workers ({@link #runAsWorker}). */
    private boolean worker;
    /** Runs this process has finished, for the estimate of the time left. */
    private int runsTimed;

    public EvaluationGrid(EvaluationConfig config) {
        this.config = config;
        this.output = EvaluationConfig.require(config.output(), "output");
        EvaluationConfig.require(config.train(), "train");
        EvaluationConfig.require(config.test(), "test");
        ValidationException.check(config.subsets() == null || !config.validation().on(), "evaluation.subsets "
                + "names subsets that 'mmps select' drew from the whole training set, so they may hold images of the "
                + "validation split (evaluation.validation.fraction=" + config.validation().fraction() + "); set "
                + "evaluation.validation.fraction = 0 to train on them, or subsets = null to select here from the rest");
    }

    /** A cell of the grid. */
    private record Cell(Method method, double ratio, Architecture architecture, int seed) {
        String key() {
            return Run.key(method.label(), ratio, architecture.label(), seed);
        }
    }

    /**
     * Runs every cell not yet in the output's {@code evaluation.json}, one after the other in this process.
     *
     * @return the path of {@code evaluation.json}
     */
    public Path run() {
        return run(1, null);
    }

    /**
     * Starts the process of worker {@code index} of {@code count} for a share of the cells: the same {@code evaluate}
     * command, which calls {@link #runAsWorker} in it.
     */
    @FunctionalInterface
    public interface WorkerStarter {
        Process start(int index, int count, Share share) throws java.io.IOException;
    }

    /** Which of the cells left a round of workers trains. */
    public enum Share {
        /** Those whose students train on no correction: nothing learned from the teacher is needed. */
        UNCORRECTED,
        /** Every cell left. */
        ALL
    }

    /**
     * Runs every cell not yet in the output's {@code evaluation.json}, {@code workers} students at a time, each in a
     * process of its own. The learning rates every student needs are chosen here first. Then the workers train the
     * students without corrections while this process learns the corrections and layers the others need; then the
     * workers train those. Each worker takes every {@code workers}-th student of its round and keeps its finished
     * runs in a file of its own; this process merges them into the report and runs what they left (a cell the
     * original run of its seed stands for).
     *
     * @param workers how many students train at once; 1 trains them here, one after the other
     * @param starter starts a worker's process; unused when {@code workers} is 1
     * @return the path of {@code evaluation.json}
     * @throws IllegalStateException if a worker stops with an error (the runs the workers finished are kept)
     */
    public Path run(int workers, WorkerStarter starter) {
        List<Cell> cells = cells();
        EvaluationReport report = EvaluationReport.open(output, EvaluationReport.Settings.of(config));
        int merged = report.mergeWorkers();
        if (merged > 0) {
            LOG.info("evaluation: {} runs finished by the workers of an earlier start taken into the report", merged);
        }
        List<Cell> todo = cells.stream().filter(c -> !report.has(c.key())).toList();
        LOG.info("evaluation: {} runs in the grid, {} done before, {} to run; output {}", cells.size(),
                cells.size() - todo.size(), todo.size(), output);
        load(cells, report);
        long start = System.nanoTime();
        if (workers > 1 && todo.size() > 1) {
            java.util.Objects.requireNonNull(starter, "a grid of several workers needs a way to start them");
            int count = Math.min(workers, todo.size());
            List<Cell> corrected = todo.stream().filter(c -> c.method().correction() != Method.Correction.NONE)
                    .toList();
            Runnable learnCorrections = () -> corrected.forEach(c -> prepareShared(c, report));
            if (corrected.size() < todo.size()) {
                for (Cell cell : todo) {
                    learningRate(cell.architecture(), report);
                    prepareTeacher(cell, report);
                }
                runWorkers(count, Share.UNCORRECTED, starter, report, learnCorrections);
            } else {
                learnCorrections.run();
            }
            if (!corrected.isEmpty()) {
                runWorkers(count, Share.ALL, starter, report, () -> { });
            }
        }
        List<Cell> left = todo.stream().filter(c -> !report.has(c.key())).toList();
        int done = 0;
        for (Cell cell : left) {
            done++;
            Run run = runCell(cell, report, "run " + done + "/" + left.size(), start, left.size() - done);
            report.add(run);
        }
        LOG.info("evaluation finished: {} runs in {}, {} new in {} s; tables in {}", report.size(),
                output.resolve(EvaluationReport.JSON), todo.size(),
                String.format(Locale.ROOT, "%.0f", (System.nanoTime() - start) / 1e9),
                output.resolve(EvaluationReport.MARKDOWN));
        return output.resolve(EvaluationReport.JSON);
    }

    /**
     * The part of a grid that worker {@code index} of {@code count} trains, in a process started by
     * {@link #run(int, WorkerStarter)}: every {@code count}-th cell of the share of those not in
     * {@code evaluation.json}, from the {@code index}-th. Its runs go to a file of its own; a cell that the original
     * run of its seed stands for is left to the grid's process, which holds every original run once the workers are
     * done.
     */
    public void runAsWorker(int index, int count, Share share) {
        ValidationException.check(count >= 2 && index >= 0 && index < count, "worker " + index + " of " + count
                + ": a worker's index counts from 0 and is below the number of workers, at least 2");
        worker = true;
        List<Cell> cells = cells();
        EvaluationReport report = EvaluationReport.openAsWorker(output, EvaluationReport.Settings.of(config), index);
        List<Cell> todo = cells.stream().filter(c -> !report.has(c.key())).filter(c -> share == Share.ALL
                || c.method().correction() == Method.Correction.NONE).toList();
        List<Cell> mine = new ArrayList<>();
        for (int i = index; i < todo.size(); i += count) {
            mine.add(todo.get(i));
        }
        load(cells, report);
        long start = System.nanoTime();
        int done = 0;
        for (Cell cell : mine) {
            done++;
            Run run = runCell(cell, report, "run " + done + "/" + mine.size(), start, mine.size() - done);
            if (run != null) {
                report.add(run);
            }
        }
    }

    /** Reads the test and training sets, checks every input, and holds out the validation split. */
    private void load(List<Cell> cells, EvaluationReport report) {
        test = OriginalReader.read(config.test());
        requireInputs(cells, test.shape());
        train = OriginalReader.read(config.train());
        requireSameClasses();
        split(report);
    }

    /**
     * Makes what the cell's student needs from steps that students share, so that workers find it made: the
     * learning rate of its architecture, the teacher, the correction terms or layer of its table.
     */
    private void prepareShared(Cell cell, EvaluationReport report) {
        learningRate(cell.architecture(), report);
        prepareTeacher(cell, report);
        switch (cell.method().correction()) {
            case TERMS -> corrections(table(cell.method().codec(), cell.ratio()), cell, report);
            case LAYER -> layer(table(cell.method().codec(), cell.ratio()), cell, report);
            case NONE -> { }
        }
    }

    /** Trains the teacher when the cell's selection reads its features. */
    private void prepareTeacher(Cell cell, EvaluationReport report) {
        if (cell.method() == Method.KCENTER && config.subsets() == null
                && config.kcenterFeatures() == Selection.Features.TEACHER) {
            teacher(report);
        }
    }

    /**
     * Starts a round of workers, does {@code meanwhile} here, waits for all of them and merges their runs into the
     * report, also when one fails or this process is stopped (its workers are stopped with it).
     */
    private void runWorkers(int count, Share share, WorkerStarter starter, EvaluationReport report,
            Runnable meanwhile) {
        LOG.info("evaluation: {} workers share the students left{}, each in a process of its own", count,
                share == Share.UNCORRECTED ? " that train on no correction" : "");
        List<Process> processes = new ArrayList<>();
        Thread stopWorkers = new Thread(() -> processes.forEach(Process::destroy));
        Runtime.getRuntime().addShutdownHook(stopWorkers);
        List<String> failures = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                processes.add(starter.start(i, count, share));
            }
            meanwhile.run();
            for (int i = 0; i < count; i++) {
                int code = processes.get(i).waitFor();
                if (code != 0) {
                    failures.add("worker " + (i + 1) + " of " + count + " stopped with exit code " + code);
                }
            }
        } catch (java.io.IOException e) {
            failures.add("a worker could not be started: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add("interrupted while the workers ran");
        } finally {
            processes.forEach(Process::destroy);
            Runtime.getRuntime().removeShutdownHook(stopWorkers);
            report.mergeWorkers();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException(String.join("; ", failures) + " (its log is above); the runs the workers "
                    + "finished are in " + output.resolve(EvaluationReport.JSON) + ", so the same command resumes");
        }
    }

    /** Holds out the validation split, when there is one, and notes its sizes in the report. */
    private void split(EvaluationReport report) {
        trainingPart = train;
        trainingIndices = java.util.stream.IntStream.range(0, train.size()).toArray();
        if (!config.validation().on()) {
            return;
        }
        split = ValidationSplit.of(train, config.validation().fraction(), config.validation().seed());
        trainingPart = split.trainingPart(train);
        trainingIndices = split.training();
        validation = new SourceDataset(split.validationPart(train), SourceDataset.Options.inOrder(config.batchSize()));
        report.note("validation", new SplitNote(split.training().length, split.validation().length));
        LOG.info("validation split: {} of the {} training images held out, {} left to train on", split.validation()
                .length, train.size(), split.training().length);
    }

    /**
     * The starting learning rate of an architecture's students: chosen on the validation split once, by
     * training on the original training part at each candidate, and kept in the report's notes.
     */
    private float learningRate(Architecture architecture, EvaluationReport report) {
        List<Float> candidates = config.validation().learningRates();
        if (candidates.isEmpty()) {
            return config.student().learningRate();
        }
        Float known = learningRates.get(architecture);
        if (known != null) {
            return known;
        }
        String key = "learning rate " + architecture.label();
        LearningRateNote note = report.note(key, LearningRateNote.class);
        if (note == null) {
            int seed = config.seeds().get(0);
            List<Trial> trials = new ArrayList<>();
            for (float rate : candidates) {
                try (Classifier student = Classifier.create(Classifier.Spec.of(architecture, trainingPart,
                        config.mpoBond()))) {
                    SourceDataset data = new SourceDataset(trainingPart,
                            new SourceDataset.Options(config.batchSize(), true, config.augmentation(), seed));
                    ClassifierTraining.Result fit = ClassifierTraining.fit(student, data,
                            config.student().withLearningRate(rate), seed, "learning rate " + rate + "/"
                                    + architecture.label(), validation);
                    trials.add(new Trial(rate, fit.validationAccuracy(), fit.keptEpoch()));
                }
            }
            Trial best = trials.get(0);
            for (Trial t : trials) {
                best = t.validationAccuracy() > best.validationAccuracy() ? t : best;
            }
            note = new LearningRateNote(trials, best.learningRate());
            report.note(key, note);
            LOG.info("learning rate of {} students: {} (validation accuracy {}%, of {})", architecture.label(),
                    best.learningRate(), Stages.percent(best.validationAccuracy()), candidates);
        }
        learningRates.put(architecture, note.chosen());
        return note.chosen();
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
            String codec = c.method() == Method.RANDOM_BYTES ? Method.MMPS.codec() : c.method().codec();
            if (codec == null || !checked.add(config.table(codec, c.ratio()))) {
                continue;
            }
            Path t = config.table(codec, c.ratio());
            if (!Files.isRegularFile(t.resolve("manifest.json"))) {
                throw new ValidationException("the " + codec + " table at ratio "
                        + EvaluationConfig.ratioText(c.ratio()) + " is missing: " + t + " holds no mmps output; make "
                        + "it with 'mmps compress --input " + config.train() + " --output " + t + " --codec "
                        + codec + " --ratio " + EvaluationConfig.ratioText(c.ratio()) + "'");
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

    /**
     * Trains and scores a cell's student, logging its start and end as {@code label} with an estimate of the time
     * the {@code left} cells after it take; null when a worker leaves the cell to the grid's process.
     */
    private Run runCell(Cell cell, EvaluationReport report, String label, long since, int left) {
        LOG.info("{}: {} at ratio {}, {}, seed {}", label, cell.method().label(),
                EvaluationConfig.ratioText(cell.ratio()), cell.architecture().label(), cell.seed());
        long started = System.nanoTime();
        Run run = trainCell(cell, report);
        if (run != null) {
            // Everything this process's runs took so far, teachers, corrections and trials included.
            runsTimed++;
            double perRun = (System.nanoTime() - since) / 1e9 / runsTimed;
            LOG.info("{}: {} at ratio {}, {}, seed {}: test accuracy {}% ({} s); about {} min left", label,
                    cell.method().label(), EvaluationConfig.ratioText(cell.ratio()), cell.architecture().label(),
                    cell.seed(), Stages.percent(run.accuracy()), String.format(Locale.ROOT, "%.0f",
                            (System.nanoTime() - started) / 1e9), String.format(Locale.ROOT, "%.0f", perRun * left / 60));
        }
        return run;
    }

    private Run trainCell(Cell cell, EvaluationReport report) {
        float learningRate = learningRate(cell.architecture(), report);
        ImageSource source = trainingPart;
        int[] subset = null;
        Long bytes = null;
        long values;
        double storedRatio;
        switch (cell.method()) {
            case ORIGINAL, RANDOM, KCENTER, RANDOM_BYTES -> {
                subset = cell.method() == Method.ORIGINAL ? null : subset(cell, report);
                boolean everything = subset != null && subset.length == source.size();
                Run whole = everything ? original(cell, report) : null;
                if (whole != null) {
                    return whole;
                }
                if (everything && worker) {
                    LOG.info("{} at ratio {}, seed {}: the subset holds every training image, so the grid's process "
                            + "takes the original run of the seed for it", cell.method().label(),
                            EvaluationConfig.ratioText(cell.ratio()), cell.seed());
                    return null;
                }
                int[] kept = subset == null ? java.util.stream.IntStream.range(0, source.size()).toArray() : subset;
                values = (long) kept.length * train.shape().values();
                storedRatio = (double) values / ((long) source.size() * train.shape().values());
                bytes = 0L;
                for (int i : kept) {
                    bytes += train.fileBytes(trainingIndices[i]);
                }
            }
            default -> {
                FactorSource t = table(cell.method().codec(), cell.ratio());
                ImageSource stored = t;
                bytes = t.storedBytes();
                switch (cell.method().correction()) {
                    case TERMS -> {
                        Stages.Learned learned = corrections(t, cell, report);
                        stored = new CorrectedSource(t, learned.corrections());
                        bytes += learned.storedBytes();
                    }
                    case LAYER -> {
                        Stages.Layer layer = layer(t, cell, report);
                        stored = new LayeredSource(t, layer.layer());
                        bytes += layer.storedBytes();
                    }
                    case NONE -> { }
                }
                // Students read the rows outside the split; they are charged the table's values and bytes in
                // proportion to those rows, as originals are charged for the images trained on.
                source = split == null ? stored : split.trainingRows(stored);
                double share = (double) source.size() / stored.size();
                values = Math.round(stored.storedValues() * share);
                bytes = Math.round(bytes * share);
                storedRatio = (double) stored.storedValues() / ((long) stored.size() * train.shape().values());
            }
        }
        try (Classifier student = Classifier.create(Classifier.Spec.of(cell.architecture(), source, config.mpoBond()))) {
            student.requireFits(test, "test set");
            SourceDataset data = new SourceDataset(source, subset,
                    new SourceDataset.Options(config.batchSize(), true, config.augmentation(), cell.seed()));
            String name = cell.method().label() + "@" + EvaluationConfig.ratioText(cell.ratio()) + "/"
                    + cell.architecture().label() + "/seed " + cell.seed();
            ClassifierTraining.Settings training = config.student().withLearningRate(learningRate).withEpochs(
                    config.schedule().epochs(config.student().epochs(), trainingPart.size(), data.size()));
            ClassifierTraining.Result fit = ClassifierTraining.fit(student, data, training, cell.seed(), name,
                    validation);
            double accuracy = ClassifierTraining.accuracy(student,
                    new SourceDataset(test, SourceDataset.Options.inOrder(config.batchSize())));
            return new Run(cell.method().label(), cell.ratio(), cell.architecture().label(), cell.seed(), accuracy,
                    data.size(), values, storedRatio, bytes, fit.epochs(), fit.loss(), fit.trainAccuracy(),
                    fit.seconds(), validation == null ? null : learningRate, validation == null ? null : fit.keptEpoch(),
                    validation == null ? null : fit.validationAccuracy());
        }
    }

    /**
     * The finished Original run of the cell's architecture and seed, standing for a cell whose subset holds every
     * training image (random-bytes when the table takes more bytes than the original files): the student would
     * train on the same images with the same seed, so the grid does not train it again. Null when there is none.
     */
    private Run original(Cell cell, EvaluationReport report) {
        Run full = report.run(Run.key(Method.ORIGINAL.label(), 1.0, cell.architecture().label(), cell.seed()));
        if (full == null) {
            return null;
        }
        LOG.info("{} at ratio {}: the subset holds every training image, so the original run of seed {} stands for "
                + "it", cell.method().label(), EvaluationConfig.ratioText(cell.ratio()), cell.seed());
        return new Run(cell.method().label(), cell.ratio(), full.architecture(), full.seed(), full.accuracy(),
                full.trainImages(), full.storedValues(), full.storedRatio(), full.storedBytes(), full.epochs(),
                full.loss(), full.trainAccuracy(), 0, full.learningRate(), full.keptEpoch(), full.validationAccuracy());
    }

    private Stages.Teacher teacher(EvaluationReport report) {
        if (teacher == null) {
            Path folder = output.resolve("teacher-" + config.teacher().architecture().label());
            teacher = Stages.teacher(config, trainingPart, test, folder);
            report.note("teacher", new TeacherNote(folder.toString(), config.teacher().architecture().label(),
                    teacher.testAccuracy()));
        }
        return teacher;
    }

    /** A selection baseline's subset: made by 'mmps select' when the grid names one, else selected here. */
    private int[] subset(Cell cell, EvaluationReport report) {
        if (cell.method() == Method.RANDOM_BYTES) {
            return subsetOfTableBytes(cell);
        }
        int budget = Selection.budget(trainingPart, cell.ratio());
        if (config.subsets() != null) {
            return SubsetTable.read(config.subset(cell.method(), cell.ratio(), cell.seed()), train, budget);
        }
        return cell.method() == Method.RANDOM ? Selection.random(trainingPart.size(), budget, cell.seed())
                : Selection.kCenter(trainingPart, budget, config.kcenterFeatures(),
                        config.kcenterFeatures() == Selection.Features.TEACHER ? teacher(report).classifier() : null,
                        cell.seed());
    }

    /**
     * Original images drawn at random until their files take as many bytes as the MMPS table at the cell's
     * ratio takes for the images trained on (every image when the table is larger than the originals).
     */
    private int[] subsetOfTableBytes(Cell cell) {
        FactorSource t = table(Method.MMPS.codec(), cell.ratio());
        int rows = split == null ? t.size() : split.trainingRows(t).size();
        long budget = Math.round((double) t.storedBytes() * rows / t.size());
        long[] bytes = new long[trainingIndices.length];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = train.fileBytes(trainingIndices[i]);
        }
        int[] chosen = Selection.randomWithinBytes(bytes, budget, cell.seed());
        LOG.info("random-bytes at ratio {}: {} of {} original images in the MMPS table's {} bytes",
                EvaluationConfig.ratioText(cell.ratio()), chosen.length, bytes.length, budget);
        ValidationException.check(chosen.length > 0, "the MMPS table at ratio " + EvaluationConfig.ratioText(
                cell.ratio()) + " takes " + budget + " bytes, less than any original image; drop random-bytes from "
                + "evaluation.methods or use a larger ratio");
        return chosen;
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

    /**
     * A table's correction layer, learned once on the table's rows outside the validation split (the held-out
     * images stay unseen by everything a student gets) and kept in {@code layers/<codec>-<ratio>}.
     */
    private Stages.Layer layer(FactorSource t, Cell cell, EvaluationReport report) {
        String name = cell.method().codec() + "-" + EvaluationConfig.ratioText(cell.ratio());
        Stages.Layer layer = Stages.layer(teacher(report).classifier(), train, split == null ? t : split.trainingRows(t),
                config.layer(), config.correctionSeed(), output.resolve("layers").resolve(name));
        report.note("layer " + name, layer.summary());
        return layer;
    }

    /** What the report notes of the validation split. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    private record SplitNote(int trainingImages, int validationImages) {}

    /** A candidate learning rate and the best validation accuracy of the student trained at it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Trial(float learningRate, double validationAccuracy, int keptEpoch) {}

    /** What the report notes of an architecture's learning-rate choice. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record LearningRateNote(List<Trial> trials, float chosen) {}

    /** What the report notes of the grid's teacher. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    private record TeacherNote(String folder, String architecture, double testAccuracy) {}
}
