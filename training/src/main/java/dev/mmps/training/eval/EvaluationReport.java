package dev.mmps.training.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.Augmentation;
import dev.mmps.training.distill.CorrectionLearner;
import dev.mmps.training.files.JsonFiles;
import dev.mmps.training.model.Architecture;
import dev.mmps.training.model.ClassifierTraining;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The evaluation's results, kept in {@code evaluation.json} (rewritten in one move after every run, so a
 * stopped evaluation loses at most the run in progress) and summarised in {@code evaluation.md}: Table 1
 * (methods as rows, ratios as columns, mean and standard deviation over seeds), the ablation of Table 3
 * and what each training source stores.
 */
final class EvaluationReport {

    static final String JSON = "evaluation.json";
    static final String MARKDOWN = "evaluation.md";
    static final String HTML = "evaluation.html";
    /** Table 1's rows in the paper's order, then the correction; Table 3's from the least to the most. */
    private static final List<Method> TABLE_1 = List.of(Method.ORIGINAL, Method.RANDOM, Method.KCENTER,
            Method.RANDOM_BYTES, Method.SVD,
            Method.CP, Method.TUCKER, Method.MPS, Method.MMPS, Method.MMPS_KD, Method.MMPS_LAYER);
    private static final List<Method> ABLATION = List.of(Method.ORIGINAL, Method.MPS, Method.MPS_KD, Method.MPS_LAYER,
            Method.MMPS, Method.MMPS_KD, Method.MMPS_LAYER);

    /** Two sources whose students are compared seed by seed: {@code minuend}'s accuracy minus {@code subtrahend}'s. */
    private record Pair(Method minuend, Method subtrahend) {}

    /**
     * The grid's questions as differences paired by seed (a seed fixes a student's initialisation and batch
     * order on every source, so its students differ by the source alone): the residual stage against every
     * other source, and each form of Eq. 7 against its table without it.
     */
    private static final List<Pair> PAIRED = List.of(new Pair(Method.MMPS, Method.MPS), new Pair(Method.MMPS, Method.SVD),
            new Pair(Method.MMPS, Method.CP), new Pair(Method.MMPS, Method.TUCKER), new Pair(Method.MMPS, Method.RANDOM),
            new Pair(Method.MMPS, Method.KCENTER), new Pair(Method.MMPS, Method.ORIGINAL),
            new Pair(Method.MMPS_KD, Method.MMPS), new Pair(Method.MMPS_LAYER, Method.MMPS),
            new Pair(Method.MPS_KD, Method.MPS), new Pair(Method.MPS_LAYER, Method.MPS));

    /**
     * What {@code evaluation.json} records of the settings: everything that changes a run's result, apart
     * from the grid's extent (which may grow on resume). Null values are left out of the file: the schedule is
     * recorded only when it is equal steps, and the validation split only when there is one, so reports made
     * before there was a choice resume as they were made.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Settings(String train, String test, String tables, String subsets, int batchSize,
            Augmentation augmentation, ClassifierTraining.Settings student, String schedule,
            EvaluationConfig.Validation validation, Teacher teacher, CorrectionLearner.Settings correction,
            String layer, int correctionSeed, String kcenterFeatures, Integer mpoBond) {

        static Settings of(EvaluationConfig c) {
            boolean mpo = c.teacher().architecture().isMpo() || c.architectures().stream().anyMatch(Architecture::isMpo);
            return new Settings(c.train().toString(), c.test().toString(), c.tables(), c.subsets(), c.batchSize(),
                    c.augmentation(), c.student(), c.schedule() == Schedule.EQUAL_EPOCHS ? null : c.schedule().label(),
                    c.validation().on() ? c.validation() : null, new Teacher(c.teacher().architecture().label(),
                            c.teacher().training(), c.teacher().seed()), c.correction(),
                    c.methods().stream().anyMatch(m -> m.correction() == Method.Correction.LAYER)
                            ? c.layer().toString() : null, c.correctionSeed(),
                    c.kcenterFeatures().name().toLowerCase(Locale.ROOT), mpo ? c.mpoBond() : null);
        }
    }

    /** The teacher's part of {@link Settings}. */
    record Teacher(String architecture, ClassifierTraining.Settings training, int seed) {}

    /** The file: settings, what shared steps made, every finished run, and the means over seeds. */
    private record ReportFile(JsonNode settings, Map<String, JsonNode> notes, List<Run> runs, List<Cell> summary) {}

    /** A worker process's file: the runs it finished, until the grid's own process merges them into the report. */
    private record WorkerFile(JsonNode settings, List<Run> runs) {}

    /** The folder of the workers' files, under the output. */
    static final String WORKERS = "workers";

    private final Path folder;
    /** As read back from a file, so that it compares equal to the settings of an earlier file when they are. */
    private final JsonNode settings;
    private final Map<String, Run> runs = new LinkedHashMap<>();
    private final Map<String, JsonNode> notes = new LinkedHashMap<>();
    /** The worker this report belongs to, or -1 for the grid's own report. */
    private final int worker;
    /** The runs a worker finished, written to its own file. */
    private final List<Run> workerRuns = new ArrayList<>();

    private EvaluationReport(Path folder, Settings settings, int worker) {
        this.folder = folder;
        this.settings = JsonFiles.tree(settings);
        this.worker = worker;
    }

    /**
     * Opens the report in {@code folder}, keeping the runs of an earlier evaluation with the same settings.
     *
     * @throws ValidationException if the folder holds an evaluation made with other settings, or a
     *     damaged one
     */
    static EvaluationReport open(Path folder, Settings settings) {
        return open(folder, settings, -1);
    }

    /**
     * The report as a worker process sees it: the runs and notes of {@code evaluation.json}, read once; the runs
     * it adds go to {@code workers/worker-<index>.json} alone, and its notes stay in memory, so that the grid's
     * own process is the only writer of {@code evaluation.json}.
     */
    static EvaluationReport openAsWorker(Path folder, Settings settings, int index) {
        return open(folder, settings, index);
    }

    private static EvaluationReport open(Path folder, Settings settings, int worker) {
        EvaluationReport report = new EvaluationReport(folder, settings, worker);
        Path file = folder.resolve(JSON);
        if (Files.isRegularFile(file)) {
            try {
                JsonNode old = JsonFiles.readTree(file);
                if (!report.settings.equals(old.get("settings"))) {
                    throw new ValidationException(file + " was made with other settings (" + old.get("settings")
                            + " against " + report.settings + "); give a new evaluation.output, or delete the file to start "
                            + "over");
                }
                for (Run r : JsonFiles.convert(old.path("runs"), Run[].class)) {
                    report.runs.put(r.key(), r);
                }
                old.path("notes").fields().forEachRemaining(e -> report.notes.put(e.getKey(), e.getValue()));
            } catch (JsonProcessingException e) {
                throw new ValidationException(file + " is damaged (" + e.getOriginalMessage() + "); delete it to "
                        + "start over, or give a new evaluation.output", e);
            }
        }
        return report;
    }

    boolean has(String key) {
        return runs.containsKey(key);
    }

    /** The finished run of a cell, or null. */
    Run run(String key) {
        return runs.get(key);
    }

    int size() {
        return runs.size();
    }

    /** Adds a run and rewrites the report's files (a worker's: its own file). */
    void add(Run run) {
        runs.put(run.key(), run);
        if (worker >= 0) {
            workerRuns.add(run);
            writeAtomically(workerFile(worker), JsonFiles.text(new WorkerFile(settings, workerRuns)));
        } else {
            write();
        }
    }

    /** Records what a shared step made (a teacher, a correction table), and rewrites the report's files. */
    void note(String name, Object value) {
        notes.put(name, JsonFiles.tree(value));
        if (worker < 0) {
            write();
        }
    }

    /**
     * Takes the runs of the workers' files into the report, writes it, and deletes the files: what workers of an
     * earlier, stopped start finished is kept.
     *
     * @return how many runs were taken
     * @throws ValidationException if a worker's file was made with other settings or is damaged
     */
    int mergeWorkers() {
        Path dir = folder.resolve(WORKERS);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> files;
        try (var listing = Files.list(dir)) {
            files = listing.filter(f -> f.getFileName().toString().matches("worker-\\d+\\.json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        int taken = 0;
        for (Path f : files) {
            try {
                JsonNode file = JsonFiles.readTree(f);
                if (!settings.equals(file.get("settings"))) {
                    throw new ValidationException(f + " was made with other settings than " + folder.resolve(JSON)
                            + "; delete it to train its runs again, or give a new evaluation.output");
                }
                for (Run r : JsonFiles.convert(file.path("runs"), Run[].class)) {
                    taken += runs.putIfAbsent(r.key(), r) == null ? 1 : 0;
                }
            } catch (JsonProcessingException e) {
                throw new ValidationException(f + " is damaged (" + e.getOriginalMessage() + "); delete it to train "
                        + "its runs again", e);
            }
        }
        write();
        try {
            for (Path f : files) {
                Files.delete(f);
            }
            try (var rest = Files.list(dir)) {
                if (rest.findAny().isEmpty()) {
                    Files.delete(dir);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete a merged worker file in " + dir + ": " + e.getMessage(), e);
        }
        return taken;
    }

    private Path workerFile(int index) {
        return folder.resolve(WORKERS).resolve("worker-" + index + ".json");
    }

    /** A note recorded earlier (in this run or one that stopped), as {@code type}, or null if there is none. */
    <T> T note(String name, Class<T> type) {
        JsonNode value = notes.get(name);
        try {
            return value == null ? null : JsonFiles.convert(value, type);
        } catch (JsonProcessingException e) {
            throw new ValidationException("the note '" + name + "' of " + folder.resolve(JSON) + " is damaged ("
                    + e.getOriginalMessage() + "); delete the file to start over, or give a new evaluation.output", e);
        }
    }

    /**
     * Mean and standard deviation (n - 1) of one method's accuracy at a ratio and architecture; the images
     * trained on serve the page's bytes per image and are left out of the file, which they would not change.
     */
    record Cell(String method, double ratio, String architecture, int n, double mean, double std,
            double storedRatio, Long storedBytes,
            @com.fasterxml.jackson.annotation.JsonIgnore int trainImages) {}

    List<Cell> summary() {
        Map<String, List<Run>> groups = new LinkedHashMap<>();
        for (Run r : runs.values()) {
            groups.computeIfAbsent(r.method() + "|" + r.ratio() + "|" + r.architecture(), k -> new ArrayList<>()).add(r);
        }
        List<Cell> cells = new ArrayList<>();
        for (List<Run> g : groups.values()) {
            double mean = g.stream().mapToDouble(Run::accuracy).average().orElse(Double.NaN);
            double var = g.stream().mapToDouble(r -> (r.accuracy() - mean) * (r.accuracy() - mean)).sum()
                    / Math.max(1, g.size() - 1);
            Run first = g.get(0);
            cells.add(new Cell(first.method(), first.ratio(), first.architecture(), g.size(), mean, Math.sqrt(var),
                    first.storedRatio(), first.storedBytes(), first.trainImages()));
        }
        return cells;
    }

    private void write() {
        writeAtomically(folder.resolve(JSON), JsonFiles.text(new ReportFile(settings, notes, List.copyOf(runs.values()),
                summary())));
        writeAtomically(folder.resolve(MARKDOWN), markdown());
        writeAtomically(folder.resolve(HTML), EvaluationPage.html(summary(), "Top-1 accuracy on the real test set of "
                + "students trained on each source, mean and one standard deviation over seeds; settings and every run "
                + "in " + JSON + ", the tables in " + MARKDOWN + "."));
    }

    private static void writeAtomically(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(temp, text);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private String markdown() {
        List<Cell> cells = summary();
        List<Double> ratios = cells.stream().filter(c -> !c.method().equals(Method.ORIGINAL.label()))
                .map(Cell::ratio).distinct().sorted().toList();
        StringBuilder md = new StringBuilder("# Evaluation\n\nTop-1 accuracy (%) on the real test set, mean ± sample "
                + "standard deviation (n - 1) over seeds (n in brackets; none for one seed), for students trained on each source. Settings: `" + JSON
                + "`.\n");
        JsonNode split = notes.get("validation");
        if (split != null) {
            md.append("\nEvery student is tested with the parameters of its epoch that scored best on ")
                    .append(split.path("validation_images").asInt()).append(" original training images held out of ")
                    .append("every source (").append(split.path("training_images").asInt()).append(" left to train on).");
            notes.forEach((name, value) -> {
                if (name.startsWith("learning rate ")) {
                    md.append(" Learning rate of ").append(name.substring("learning rate ".length())).append(", chosen ")
                            .append("on them: ").append(value.path("chosen").asDouble()).append(" (of");
                    value.path("trials").forEach(t -> md.append(String.format(Locale.ROOT, " %s: %.2f%%;",
                            t.path("learning_rate").asText(), 100 * t.path("validation_accuracy").asDouble())));
                    md.setLength(md.length() - 1);
                    md.append(").");
                }
            });
            md.append('\n');
        }
        for (String arch : cells.stream().map(Cell::architecture).distinct().toList()) {
            md.append("\n## ").append(arch).append(": Table 1\n\n");
            table(md, cells, ratios, arch, TABLE_1, Method::title);
            if (cells.stream().anyMatch(c -> c.architecture().equals(arch) && (c.method().equals(Method.MMPS_KD.label())
                    || c.method().equals(Method.MMPS_LAYER.label())))) {
                md.append("\n## ").append(arch).append(": ablation (Table 3)\n\n");
                table(md, cells, ratios, arch, ABLATION, EvaluationReport::ablationTitle);
            }
            paired(md, ratios, arch);
            bytes(md, cells, arch);
            md.append("\n## ").append(arch).append(": what each source stores\n\n")
                    .append("Stored values over the full training set's pixels (paper Eq. 6), and the tables' bytes ")
                    .append("on disk.\n\n");
            storage(md, cells, ratios, arch);
        }
        return md.toString();
    }

    private static void table(StringBuilder md, List<Cell> cells, List<Double> ratios, String arch,
            List<Method> rows, Function<Method, String> title) {
        header(md, "method", ratios);
        for (Method m : rows) {
            if (cells.stream().noneMatch(c -> c.architecture().equals(arch)
                    && c.method().equals(m.label()))) {
                continue;
            }
            md.append("| ").append(title.apply(m)).append(" |");
            for (double r : ratios) {
                Cell c = find(cells, m, r, arch);
                md.append(' ').append(c == null ? "" : c.n() == 1 ? String.format(Locale.ROOT, "%.2f (1)", 100 * c.mean())
                        : String.format(Locale.ROOT, "%.2f ± %.2f (%d)", 100 * c.mean(), 100 * c.std(), c.n()))
                        .append(" |");
            }
            md.append('\n');
        }
    }

    /**
     * The pairs of {@link #PAIRED} whose sources share at least two seeds at some ratio: per ratio the mean and
     * standard deviation (n - 1) of the per-seed differences in points, and on how many seeds it was above zero.
     * With one seed a difference is read off the tables above, so reports of one seed have no such section.
     */
    private void paired(StringBuilder md, List<Double> ratios, String arch) {
        StringBuilder rows = new StringBuilder();
        for (Pair pair : PAIRED) {
            List<String> texts = new ArrayList<>();
            boolean any = false;
            for (double ratio : ratios) {
                List<Double> differences = new ArrayList<>();
                for (Run a : runs.values()) {
                    if (a.method().equals(pair.minuend().label()) && a.ratio() == ratio && a.architecture().equals(arch)) {
                        Run b = runs.get(Run.key(pair.subtrahend().label(), pair.subtrahend() == Method.ORIGINAL ? 1.0
                                : ratio, arch, a.seed()));
                        if (b != null) {
                            differences.add(100 * (a.accuracy() - b.accuracy()));
                        }
                    }
                }
                any |= differences.size() > 1;
                texts.add(differences.size() < 2 ? "" : difference(differences));
            }
            if (any) {
                rows.append("| ").append(pair.minuend().title()).append(" - ").append(pair.subtrahend().title())
                        .append(" |");
                texts.forEach(t -> rows.append(' ').append(t).append(" |"));
                rows.append('\n');
            }
        }
        if (!rows.isEmpty()) {
            md.append("\n## ").append(arch).append(": differences paired by seed\n\n")
                    .append("Accuracy of the first source's student minus the second's on the same seed, in points: mean ")
                    .append("± standard deviation (n - 1) of the differences, and on how many seeds the first was ")
                    .append("higher.\n\n");
            header(md, "difference", ratios);
            md.append(rows);
        }
    }

    private static String difference(List<Double> differences) {
        double mean = differences.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double var = differences.stream().mapToDouble(d -> (d - mean) * (d - mean)).sum() / (differences.size() - 1);
        long higher = differences.stream().filter(d -> d > 0).count();
        return String.format(Locale.ROOT, "%+.2f ± %.2f (%d of %d higher)", mean, Math.sqrt(var), higher,
                differences.size());
    }

    private static void storage(StringBuilder md, List<Cell> cells, List<Double> ratios, String arch) {
        header(md, "method", ratios);
        for (Method m : Method.values()) {
            if (m == Method.ORIGINAL || cells.stream().noneMatch(c -> c.architecture().equals(arch)
                    && c.method().equals(m.label()))) {
                continue;
            }
            md.append("| ").append(m.title()).append(" |");
            for (double r : ratios) {
                Cell c = find(cells, m, r, arch);
                md.append(' ').append(c == null ? "" : String.format(Locale.ROOT, "%.3f", c.storedRatio()))
                        .append(c == null || c.storedBytes() == null ? "" : String.format(Locale.ROOT, ", %.1f MB",
                                c.storedBytes() / 1e6)).append(" |");
            }
            md.append('\n');
        }
    }

    /**
     * Every cell at its stored bytes per training image, cheapest first: the comparison a user who pays for
     * bytes makes (a subset's images as their files, a table with its corrections). Left out for reports made
     * before the originals' bytes were counted.
     */
    private static void bytes(StringBuilder md, List<Cell> cells, String arch) {
        List<Cell> mine = cells.stream().filter(c -> c.architecture().equals(arch)).toList();
        if (mine.stream().anyMatch(c -> c.storedBytes() == null)) {
            return;
        }
        md.append("\n## ").append(arch).append(": accuracy against stored bytes\n\n")
                .append("Bytes on disk per training image of what each student trained on: the original files (JPEG, ")
                .append("PNG, or a share of the IDX file) or the tables with their corrections. Chart: `")
                .append(HTML).append("`.\n\n| source | ratio | bytes per image | accuracy |\n|---|---:|---:|---:|\n");
        mine.stream().sorted(java.util.Comparator.comparingDouble(EvaluationPage::bytesPerImage)).forEach(c -> md
                .append(String.format(Locale.ROOT, "| %s | %s | %.0f | %s |%n", Method.parse(c.method()).title(),
                        c.method().equals(Method.ORIGINAL.label()) ? "all" : String.format(Locale.ROOT, "%.0f%%",
                                100 * c.ratio()), EvaluationPage.bytesPerImage(c), c.n() == 1
                                ? String.format(Locale.ROOT, "%.2f (1)", 100 * c.mean())
                                : String.format(Locale.ROOT, "%.2f ± %.2f (%d)", 100 * c.mean(), 100 * c.std(), c.n()))));
    }

    private static void header(StringBuilder md, String first, List<Double> ratios) {
        md.append("| ").append(first).append(" |");
        ratios.forEach(r -> md.append(' ').append(String.format(Locale.ROOT, "%.0f%%", 100 * r)).append(" |"));
        md.append("\n|---|").append("---:|".repeat(ratios.size())).append('\n');
    }

    /** A cell; the original set's single value stands in every ratio's column. */
    private static Cell find(List<Cell> cells, Method m, double ratio, String arch) {
        return cells.stream().filter(c -> c.architecture().equals(arch) && c.method().equals(m.label())
                && (m == Method.ORIGINAL || c.ratio() == ratio)).findFirst().orElse(null);
    }

    private static String ablationTitle(Method m) {
        return switch (m) {
            case MPS -> "without the residual stage and the correction (MPS)";
            case MPS_KD -> "without the residual stage (MPS + correction)";
            case MPS_LAYER -> "without the residual stage (MPS + correction layer)";
            case MMPS -> "without the correction (MMPS)";
            case MMPS_KD -> "MMPS + correction";
            case MMPS_LAYER -> "MMPS + correction layer";
            default -> m.title();
        };
    }
}
