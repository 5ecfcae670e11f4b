package dev.mmps.training.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmps.settings.ValidationException;
import dev.mmps.tensor.codec.CodecChoice;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.ImageCodec;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.training.condense.Condensation;
import dev.mmps.training.condense.ConvNetFunction;
import dev.mmps.training.condense.Experts;
import dev.mmps.training.condense.Students;
import dev.mmps.training.condense.SyntheticForm;
import dev.mmps.training.condense.SyntheticTable;
import dev.mmps.training.data.ImageSource;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.data.SubsetSource;
import dev.mmps.training.device.TrainingDevice;
import dev.mmps.training.files.JsonFiles;
import dev.mmps.training.select.Selection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dataset distillation against the other ways of spending a budget of {@code ipc} images per class: real
 * images drawn at random or by K-Center within each class, a random subset compressed by MMPS to the same
 * stored values, and sets condensed by MTT, NSD and MTT-LSS (with and without its soft labels). Every student
 * follows MTT's evaluation ({@link Students}): a fresh ConvNet of the experts' kind, trained from scratch on the
 * set at its learning rate (the learned one for condensed sets, the experts' for real images), then tested.
 *
 * <p>Everything it makes is kept under the output folder and reused: the experts ({@code experts/}, unless
 * {@code evaluation.distillation.experts} names another folder, which several grids may then share), the
 * condensed sets ({@code synthetic/<method>-ipc<k>/}, each resumable), and every finished student in
 * {@code distillation.json}, rewritten after each; {@code distillation.md} tabulates them.
 */
public final class DistillationGrid {

    private static final Logger LOG = LoggerFactory.getLogger(DistillationGrid.class);

    /** Where the condensation's settings are in the list the grid's settings text is made of. */
    private static final int CONDENSE_PART = 6;

    public static final String JSON = "distillation.json";
    public static final String MARKDOWN = "distillation.md";
    /** The methods, in the order of the table. */
    public static final List<String> METHODS = List.of("random", "kcenter", "mmps-subset", "mtt", "nsd", "lss",
            "lss-hard");
    private static final Map<String, String> TITLES = Map.of("random", "Random", "kcenter", "K-Center",
            "mmps-subset", "Random, MMPS-compressed", "mtt", "MTT", "nsd", "NSD", "lss", "MTT-LSS",
            "lss-hard", "MTT-LSS, hard labels");

    /**
     * The distillation grid's own settings ({@code evaluation.distillation}).
     *
     * @param ipcs the budgets, in images per class; empty: no distillation grid
     * @param methods of {@link #METHODS}
     * @param subsetRatio the MMPS ratio of {@code mmps-subset}: it keeps {@code ipc / ratio} images per class
     * @param experts the experts' folder (recorded there when missing), or null for {@code experts/} under the
     *     output
     * @param student how students train
     */
    public record Settings(List<Integer> ipcs, List<String> methods, double subsetRatio, Path experts,
            Students.Settings student) {

        public Settings {
            ipcs = List.copyOf(ipcs);
            methods = List.copyOf(methods);
            for (int ipc : ipcs) {
                ValidationException.check(ipc >= 1, "evaluation.distillation.ipcs holds " + ipc + ": keep at least "
                        + "1 image per class");
            }
            for (String m : methods) {
                ValidationException.check(METHODS.contains(m), "evaluation.distillation.methods holds '" + m + "': "
                        + "use some of " + METHODS);
            }
            ValidationException.check(subsetRatio > 0 && subsetRatio <= 1, "evaluation.distillation.subset-ratio "
                    + subsetRatio + " is invalid: use a ratio in (0, 1], such as 0.3");
        }

        boolean condenses() {
            return methods.stream().anyMatch(m -> !m.equals("random") && !m.equals("kcenter")
                    && !m.equals("mmps-subset"));
        }
    }

    /** One trained student. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Result(String method, int ipc, int seed, double accuracy, int images, long storedValues,
            long budgetValues, double learningRate, double seconds) {

        String key() {
            return key(method, ipc, seed);
        }

        static String key(String method, int ipc, int seed) {
            return method + "/ipc" + ipc + "/seed" + seed;
        }
    }

    /**
     * What a condensed set cost to learn, and its sizes ({@link SyntheticForm#sizes()}; null in reports written
     * before they were kept).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Cost(String method, int ipc, int iterations, double seconds, long startRssMb, long peakRssMb,
            String sizes) {}

    /** {@code distillation.json}: the settings every result was made with, the costs and the results. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Report(String settings, double expertsSeconds, List<Cost> costs, List<Result> results) {}

    private final EvaluationConfig config;
    private final Path output;

    public DistillationGrid(EvaluationConfig config) {
        this.config = config;
        this.output = EvaluationConfig.require(config.output(), "output");
        EvaluationConfig.require(config.train(), "train");
        EvaluationConfig.require(config.test(), "test");
    }

    /** Runs every student not yet in {@code distillation.json}; returns the path of {@code distillation.md}. */
    public Path run() {
        Settings d = config.distillation();
        // Paths as given (JSON would make them absolute URIs, tying the results to the working directory).
        // The condensation's settings at CONDENSE_PART.
        String settings = JsonFiles.tree(List.of(d.ipcs(), d.methods(), d.subsetRatio(), String.valueOf(d.experts()),
                d.student(), config.experts(), config.condense(), config.seeds())).toString();
        Report report = read(settings);
        OriginalSource train = OriginalReader.read(config.train());
        SyntheticForm.Frame frame = new SyntheticForm.Frame(train.classes().size(), train.shape().channels(),
                train.shape().height(), train.shape().width());
        checkFinishedSets(report, frame);
        OriginalSource test = OriginalReader.read(config.test());
        ValidationException.check(test.classes().equals(train.classes()) && test.shape().equals(train.shape()),
                "the test set " + test.description() + " has classes " + test.classes() + " of " + test.shape()
                        + " but the training set " + train.description() + " has " + train.classes() + " of "
                        + train.shape() + "; use the test split of the same dataset");
        ImageShape shape = train.shape();
        Experts experts = null;
        double expertsSeconds = report.expertsSeconds();
        if (d.condenses()) {
            long start = System.nanoTime();
            experts = Experts.record(expertsFolder(), train, config.train().toString(), config.experts(),
                    TrainingDevice.current());
            double took = (System.nanoTime() - start) / 1e9;
            expertsSeconds += took > 1 ? took : 0;
        }
        Experts.Settings e = config.experts();
        ConvNetFunction network = experts != null ? experts.network() : new ConvNetFunction(shape.channels(),
                shape.height(), shape.width(), train.classes().size(), e.filters(), e.depth());
        List<Cost> costs = new ArrayList<>(report.costs());
        List<Result> results = new ArrayList<>(report.results());
        report = new Report(settings, expertsSeconds, costs, results);
        write(report);
        int classes = train.classes().size();
        for (int ipc : d.ipcs()) {
            for (String method : d.methods()) {
                for (int seed : config.seeds()) {
                    String key = Result.key(method, ipc, seed);
                    if (results.stream().anyMatch(r -> r.key().equals(key))) {
                        continue;
                    }
                    try (NDManager manager = NDManager.newBaseManager(TrainingDevice.current())) {
                        Budgeted set = set(method, ipc, seed, train, frame, experts, costs, manager);
                        long start = System.nanoTime();
                        String name = method + "@ipc" + ipc + "/seed " + seed;
                        NDList theta = Students.train(network, set.images(), set.labels(), set.learningRate(),
                                d.student(), seed, manager, name);
                        double accuracy = Students.accuracy(network, theta, test, config.batchSize(), manager);
                        Result r = new Result(method, ipc, seed, accuracy, (int) set.images().getShape().get(0),
                                set.storedValues(), (long) ipc * classes * shape.values(), set.learningRate(),
                                (System.nanoTime() - start) / 1e9);
                        results.add(r);
                        write(report);
                        LOG.info("{}: test accuracy {}%, {} images, {} stored values per class", name,
                                String.format(Locale.ROOT, "%.2f", 100 * accuracy), r.images(),
                                r.storedValues() / classes);
                    }
                }
            }
        }
        Path markdown = output.resolve(MARKDOWN);
        writeText(markdown, markdown(report, classes, network));
        return markdown;
    }

    /** A training set for students, with what it stores. */
    private record Budgeted(NDArray images, NDArray labels, double learningRate, long storedValues) {}

    private Budgeted set(String method, int ipc, int seed, OriginalSource train, SyntheticForm.Frame frame,
            Experts experts, List<Cost> costs, NDManager manager) {
        int classes = train.classes().size();
        long pixels = train.shape().values();
        double realRate = config.experts().learningRate();
        switch (method) {
            case "random" -> {
                NDArray images = SyntheticForm.realImages(train, classes, ipc, seed, manager);
                return new Budgeted(images, SyntheticForm.hardLabels(ipc, classes, images), realRate,
                        (long) ipc * classes * pixels);
            }
            case "kcenter" -> {
                NDArray images = kCenter(train, ipc, seed, manager);
                return new Budgeted(images, SyntheticForm.hardLabels(ipc, classes, images), realRate,
                        (long) ipc * classes * pixels);
            }
            case "mmps-subset" -> {
                return compressedSubset(train, ipc, seed, manager);
            }
            default -> {
                Condensation.Settings s = condenseSettings(method, ipc, frame);
                Path folder = syntheticFolder(method, ipc);
                Condensation.run(folder, experts, expertsFolder().toString(), train, s,
                        TrainingDevice.current());
                SyntheticTable.Contents contents = SyntheticTable.read(folder, manager);
                SyntheticTable.Manifest m = contents.manifest();
                // Costs kept before they carried the sizes are written again with them.
                costs.removeIf(c -> c.method().equals(method) && c.ipc() == ipc && c.sizes() == null);
                if (costs.stream().noneMatch(c -> c.method().equals(method) && c.ipc() == ipc)) {
                    costs.add(new Cost(method, ipc, m.losses().size(), m.seconds(), m.startRssMb(), m.peakRssMb(),
                            contents.form().sizes()));
                }
                return new Budgeted(contents.images(), contents.labels(), m.learningRate(), m.storedValues());
            }
        }
    }

    private Path expertsFolder() {
        Path folder = config.distillation().experts();
        return folder != null ? folder : output.resolve("experts");
    }

    /**
     * The condensation of {@code method} at {@code ipc}. MTT-LSS without soft labels takes the rank the set with
     * them takes (also under rank {@code auto}), so that the two differ in their labels alone.
     */
    private Condensation.Settings condenseSettings(String method, int ipc, SyntheticForm.Frame frame) {
        Condensation.Settings c = config.condense();
        return method.equals("lss-hard") ? c.with("lss", ipc, null, c.lss().forBudget(frame, ipc).hardLabels())
                : c.with(method, ipc, c.nsd(), c.lss());
    }

    private Path syntheticFolder(String method, int ipc) {
        return output.resolve("synthetic").resolve(method + "-ipc" + ipc);
    }

    /**
     * Refuses finished students of a condensed set that was made with other settings than the condensation
     * would use today (the grid skips finished students, so their set is not condensed again to tell).
     */
    private void checkFinishedSets(Report report, SyntheticForm.Frame frame) {
        // One check per set, whatever the number of its students.
        List<Result> sets = report.results().stream().filter(r -> isCondensed(r.method()))
                .collect(java.util.stream.Collectors.toMap(r -> r.method() + "/" + r.ipc(), r -> r, (a, b) -> a,
                        LinkedHashMap::new)).values().stream().toList();
        for (Result r : sets) {
            Path folder = syntheticFolder(r.method(), r.ipc());
            if (!Files.isRegularFile(folder.resolve(SyntheticTable.MANIFEST))) {
                continue;
            }
            JsonNode made = JsonFiles.tree(SyntheticTable.manifest(folder).settings());
            JsonNode wanted = JsonFiles.tree(condenseSettings(r.method(), r.ipc(), frame).forFrame(frame));
            ValidationException.check(made.equals(wanted), folder + " was condensed with " + made + " but "
                    + "today's settings give " + wanted + "; its students in " + output.resolve(JSON) + " would "
                    + "not be today's. Use another evaluation.output, or move " + folder + " and " + JSON + " away");
        }
    }

    private static boolean isCondensed(String method) {
        return method.equals("lss-hard") || Condensation.METHODS.contains(method);
    }

    /** K-Center on pixels within each class: {@code ipc} images of every class. */
    private static NDArray kCenter(OriginalSource train, int ipc, int seed, NDManager manager) {
        int classes = train.classes().size();
        int[] chosen = new int[ipc * classes];
        for (int c = 0; c < classes; c++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < train.size(); i++) {
                if (train.label(i) == c) {
                    members.add(i);
                }
            }
            SubsetSource part = new SubsetSource(train, members.stream().mapToInt(Integer::intValue).toArray(),
                    "class " + train.classes().get(c));
            int[] picked = Selection.kCenter(part, ipc, Selection.Features.PIXELS, null, seed);
            for (int k = 0; k < ipc; k++) {
                chosen[c * ipc + k] = part.parentIndex(picked[k]);
            }
        }
        return train.images(manager, chosen);
    }

    /**
     * {@code ipc / ratio} random real images of every class, each compressed by MMPS at the ratio and rebuilt:
     * about the values of {@code ipc} images per class (images are dropped from the end while the stored values
     * exceed the budget).
     */
    private Budgeted compressedSubset(OriginalSource train, int ipc, int seed, NDManager manager) {
        int classes = train.classes().size();
        ImageShape shape = train.shape();
        double ratio = config.distillation().subsetRatio();
        int perClass = (int) Math.floor(ipc / ratio + 1e-9);
        NDArray real = SyntheticForm.realImages(train, classes, perClass, seed, manager);
        float[] pixels = real.toFloatArray();
        int h = shape.height();
        int w = shape.width();
        int ch = shape.channels();
        int values = h * w * ch;
        CompressionSpec spec = new CompressionSpec(LayoutRequest.auto(), new Truncation.TargetRatio(ratio),
                CompressionSpec.DEFAULT_STAGES);
        var factorizer = LowRankFactorizers.create("auto");
        ImageCodec codec = CodecChoice.mmps().create(spec, factorizer);
        long budget = (long) ipc * classes * values;
        float[] rebuilt = new float[pixels.length];
        long[] stored = new long[perClass * classes];
        float[] hwc = new float[values];
        for (int i = 0; i < stored.length; i++) {
            // (C, H, W) to the codec's (H, W, C) and back.
            for (int c = 0; c < ch; c++) {
                for (int p = 0; p < h * w; p++) {
                    hwc[p * ch + c] = pixels[i * values + c * h * w + p];
                }
            }
            ImageCodec.Encoding encoding = codec.encode(hwc, shape);
            float[] back = encoding.factors().reconstruct();
            for (int c = 0; c < ch; c++) {
                for (int p = 0; p < h * w; p++) {
                    rebuilt[i * values + c * h * w + p] = back[p * ch + c];
                }
            }
            stored[i] = encoding.factors().parameters();
        }
        LowRankFactorizers.close(factorizer);
        // Keep whole rounds of one image per class while they fit the budget.
        long total = 0;
        int kept = 0;
        while (kept < perClass) {
            long round = 0;
            for (int c = 0; c < classes; c++) {
                round += stored[c * perClass + kept];
            }
            if (total + round > budget) {
                break;
            }
            total += round;
            kept++;
        }
        ValidationException.check(kept >= 1, "at ratio " + ratio + " one MMPS image per class stores more than "
                + ipc + " images per class; raise evaluation.distillation.subset-ratio");
        int[] rows = new int[kept * classes];
        for (int c = 0; c < classes; c++) {
            for (int k = 0; k < kept; k++) {
                rows[c * kept + k] = c * perClass + k;
            }
        }
        NDArray all = manager.create(rebuilt, new Shape(perClass * classes, ch, h, w));
        NDArray images = all.get(manager.create(java.util.Arrays.stream(rows).mapToLong(r -> r).toArray()));
        return new Budgeted(images, SyntheticForm.hardLabels(kept, classes, images), config.experts().learningRate(),
                total);
    }

    private Report read(String settings) {
        Path file = output.resolve(JSON);
        if (!Files.isRegularFile(file)) {
            return new Report(settings, 0, List.of(), List.of());
        }
        Report found;
        try {
            found = JsonFiles.read(file, Report.class);
        } catch (JsonProcessingException e) {
            throw new ValidationException(file + " is damaged (" + e.getOriginalMessage() + "); move it away to "
                    + "start the distillation grid again", e);
        }
        ValidationException.check(sameShared(settings, found.settings()), output + " holds distillation results "
                + "made with other settings (" + found.settings() + "); use another evaluation.output, or move "
                + file + " away");
        return new Report(settings, found.expertsSeconds(), found.costs(), found.results());
    }

    /**
     * Whether two settings texts agree but for NSD's and MTT-LSS's own blocks and the condensation's method,
     * which each condensed set answers for itself ({@link #checkFinishedSets}): so that a block growing a setting,
     * or a user changing one method's sizes, leaves the other methods' finished students standing.
     */
    private static boolean sameShared(String settings, String found) {
        try {
            return withoutMethodBlocks(JsonFiles.parse(settings)).equals(withoutMethodBlocks(JsonFiles.parse(found)));
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    private static JsonNode withoutMethodBlocks(JsonNode settings) {
        JsonNode copy = settings.deepCopy();
        if (copy.get(CONDENSE_PART) instanceof ObjectNode condense) {
            condense.remove(List.of("method", "nsd", "lss"));
        }
        return copy;
    }

    private void write(Report report) {
        try {
            Files.createDirectories(output);
            JsonFiles.write(output.resolve(JSON), report);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + output.resolve(JSON) + ": " + e.getMessage(), e);
        }
    }

    private static void writeText(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Test accuracy (mean and spread over seeds) and stored values per class, method by method and budget by budget. */
    static String markdown(Report report, int classes, ConvNetFunction network) {
        List<Integer> ipcs = report.results().stream().map(Result::ipc).distinct().sorted().toList();
        int seeds = (int) report.results().stream().map(Result::seed).distinct().count();
        StringBuilder b = new StringBuilder("# Dataset distillation\n\nTest accuracy (%, mean ± standard deviation "
                + "over " + seeds + " seeds) of a ConvNet-" + network.depth() + " of width " + network.filters()
                + " trained from scratch on each set, with the values it stores and the images it holds per class."
                + "\n\n| method |");
        for (int ipc : ipcs) {
            b.append(" IPC ").append(ipc).append(" | values a class | images a class |");
        }
        b.append("\n|---|").append("---:|---:|---:|".repeat(ipcs.size())).append('\n');
        Map<String, List<Result>> byCell = new LinkedHashMap<>();
        for (String m : METHODS) {
            for (Result r : report.results()) {
                if (r.method().equals(m)) {
                    byCell.computeIfAbsent(m + "/" + r.ipc(), k -> new ArrayList<>()).add(r);
                }
            }
        }
        for (String m : METHODS) {
            if (report.results().stream().noneMatch(r -> r.method().equals(m))) {
                continue;
            }
            b.append("| ").append(TITLES.get(m)).append(" |");
            for (int ipc : ipcs) {
                List<Result> cell = byCell.get(m + "/" + ipc);
                if (cell == null) {
                    b.append(" | | |");
                    continue;
                }
                double[] acc = cell.stream().mapToDouble(r -> 100 * r.accuracy()).toArray();
                double mean = java.util.Arrays.stream(acc).average().orElse(Double.NaN);
                double sd = acc.length < 2 ? 0 : Math.sqrt(java.util.Arrays.stream(acc)
                        .map(a -> (a - mean) * (a - mean)).sum() / (acc.length - 1));
                b.append(String.format(Locale.ROOT, " %.2f ± %.2f | %d | %d |", mean, sd,
                        cell.get(0).storedValues() / classes, cell.get(0).images() / classes));
            }
            b.append('\n');
        }
        if (!report.costs().isEmpty()) {
            b.append(String.format(Locale.ROOT, "%nExperts recorded in %.0f s. Condensation (memory: the process's "
                    + "resident set when the condensation began and its largest while it ran):%n%n| method | IPC | "
                    + "sizes | iterations | s per iteration | resident at start (MB) | peak (MB) |%n"
                    + "|---|---:|---|---:|---:|---:|---:|%n", report.expertsSeconds()));
            for (Cost c : report.costs()) {
                b.append(String.format(Locale.ROOT, "| %s | %d | %s | %d | %.2f | %d | %d |%n",
                        TITLES.get(c.method()), c.ipc(), c.sizes() == null ? "" : c.sizes(), c.iterations(),
                        c.seconds() / Math.max(1, c.iterations()), c.startRssMb(), c.peakRssMb()));
            }
        }
        return b.toString();
    }
}
