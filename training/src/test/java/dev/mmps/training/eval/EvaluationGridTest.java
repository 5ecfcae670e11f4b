package dev.mmps.training.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.TestData;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.data.SourceDataset;
import dev.mmps.training.model.Classifier;
import dev.mmps.training.model.ClassifierTraining;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole grid on the golden tables' 40 images (two batches of 20 per epoch), tested on the 200 sample
 * images: every method runs, the report holds what it should (accuracies that are counts of the test set, a
 * teacher that scores what it is noted to), a cell repeats exactly when trained alone, and a second start
 * resumes instead of repeating.
 */
class EvaluationGridTest {

    /** Bookkeeping that is exact arithmetic on counts (stored ratios, accuracies as right answers). */
    private static final double RATIO_TOLERANCE = 1e-9;
    /** Two batches per epoch of the golden tables' 40 images. */
    private static final int BATCH_SIZE = 20;
    /** A plain reader, not the one the report is written with. */
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void runsTheGridAndResumes(@TempDir Path dir) throws Exception {
        File config = config(dir, 1, "validation { fraction = 0, learning-rates = [] }");
        Path json = new EvaluationGrid(EvaluationConfig.load(config, Map.of())).run();
        JsonNode report = JSON.readTree(json.toFile());
        Map<String, JsonNode> runs = runs(report);
        assertEquals(List.of("original|1.0|convnet|1", "random|0.3|convnet|1", "kcenter|0.3|convnet|1",
                "mps|0.3|convnet|1", "mmps|0.3|convnet|1", "mmps+kd|0.3|convnet|1", "mps+kd|0.3|convnet|1"),
                List.copyOf(runs.keySet()));
        OriginalSource test = OriginalReader.read(TestData.cifarSample());
        for (JsonNode r : runs.values()) {
            // Every accuracy counts right answers on the whole test set, nothing else.
            double right = r.get("accuracy").asDouble() * test.size();
            assertEquals(Math.rint(right), right, RATIO_TOLERANCE, r.toString());
        }
        // The kept teacher is the one that was scored: it scores what the report and its notes say.
        Path teacherFolder = dir.resolve("out/teacher-convnet");
        try (Classifier teacher = Classifier.load(teacherFolder)) {
            double rescored = ClassifierTraining.accuracy(teacher, new SourceDataset(test,
                    SourceDataset.Options.inOrder(BATCH_SIZE)));
            assertEquals(report.get("notes").get("teacher").get("test_accuracy").asDouble(), rescored);
            assertEquals(Classifier.notes(teacherFolder).testAccuracy(), rescored);
        }
        assertEquals(12, runs.get("random|0.3|convnet|1").get("trainImages").asInt());
        assertEquals(12, runs.get("kcenter|0.3|convnet|1").get("trainImages").asInt());
        // Equal steps (the default): a subset of 12 of the 40 images trains for round(40 / 12) = 3 epochs.
        assertEquals(3, runs.get("random|0.3|convnet|1").get("epochs").asInt());
        assertEquals(3, runs.get("kcenter|0.3|convnet|1").get("epochs").asInt());
        assertEquals(1, runs.get("mmps|0.3|convnet|1").get("epochs").asInt());
        double mmps = runs.get("mmps|0.3|convnet|1").get("storedRatio").asDouble();
        double corrected = runs.get("mmps+kd|0.3|convnet|1").get("storedRatio").asDouble();
        assertEquals(mmps + (32.0 + 32.0) * 3 / 3072, corrected, RATIO_TOLERANCE, "rank-1 corrections' share");
        assertTrue(Files.isRegularFile(dir.resolve("out/teacher-convnet/classifier.json")));
        assertTrue(Files.isRegularFile(dir.resolve("out/corrections/mmps-0.3/corrections.parquet")));
        String markdown = Files.readString(dir.resolve("out/evaluation.md"));
        assertTrue(markdown.contains("| MMPS + correction |") && markdown.contains("ablation (Table 3)")
                && markdown.contains("| 30% |"), markdown);

        new EvaluationGrid(EvaluationConfig.load(config, Map.of())).run();
        JsonNode again = JSON.readTree(json.toFile());
        assertEquals(report.get("runs"), again.get("runs"), "a finished grid runs nothing again");

        // A cell trained alone, first in a fresh output, gives the same student as after six others: its
        // seed alone decides initial weights, shuffles and augmentation.
        Path alone = new EvaluationGrid(EvaluationConfig.load(config, Map.of("methods", List.of("mmps"), "output",
                dir.resolve("alone").toString()))).run();
        JsonNode single = runs(JSON.readTree(alone.toFile())).get("mmps|0.3|convnet|1");
        for (String field : List.of("accuracy", "loss", "trainAccuracy", "storedValues", "storedBytes")) {
            assertEquals(runs.get("mmps|0.3|convnet|1").get(field), single.get(field), field);
        }

        new EvaluationGrid(EvaluationConfig.load(config, Map.of("methods", List.of("mmps"), "seeds", List.of(1, 2))))
                .run();
        Map<String, JsonNode> grown = runs(JSON.readTree(json.toFile()));
        assertEquals(8, grown.size());
        assertEquals(runs.get("mmps|0.3|convnet|1"), grown.get("mmps|0.3|convnet|1"));

        ValidationException changed = assertThrows(ValidationException.class,
                () -> new EvaluationGrid(EvaluationConfig.load(config, Map.of("student.epochs", 2))).run());
        assertTrue(changed.getMessage().contains("other settings"), changed.getMessage());

        // Without evaluation.json, a kept teacher or corrections made with other settings are not reused either.
        Files.delete(json);
        ValidationException teacher = assertThrows(ValidationException.class,
                () -> new EvaluationGrid(EvaluationConfig.load(config, Map.of("methods", List.of("kcenter"),
                        "teacher.epochs", 2))).run());
        assertTrue(teacher.getMessage().contains("teacher-convnet") && teacher.getMessage().contains("epochs=1"),
                teacher.getMessage());
        ValidationException corrections = assertThrows(ValidationException.class,
                () -> new EvaluationGrid(EvaluationConfig.load(config, Map.of("methods", List.of("mmps+kd"),
                        "ablation", false, "correction.steps", 6))).run());
        assertTrue(corrections.getMessage().contains("mmps-0.3") && corrections.getMessage().contains("steps=5"),
                corrections.getMessage());
    }

    /**
     * With a validation split of a quarter (10 of the 40 images): the learning rate is chosen once on it and
     * noted, every student trains on the other 30 (subsets drawn from them, the table's rows of held-out images
     * left out) and is scored on the 10 after every epoch, and a second start redoes neither the choice nor a run.
     */
    @Test
    void choosesTheLearningRateAndCheckpointsOnAHeldOutSplit(@TempDir Path dir) throws Exception {
        File config = config(dir, 2, "methods = [original, random, \"random-bytes\", mmps, \"mmps+layer\"]\n"
                + "validation { fraction = 0.25, seed = 5, learning-rates = [0.05, 0.01] }\n"
                + "correction.layer { epochs = 1, batch-size = 10 }");
        Path json = new EvaluationGrid(EvaluationConfig.load(config, Map.of())).run();
        JsonNode report = JSON.readTree(json.toFile());
        JsonNode split = report.get("notes").get("validation");
        assertEquals(30, split.get("training_images").asInt());
        assertEquals(10, split.get("validation_images").asInt());
        JsonNode choice = report.get("notes").get("learning rate convnet");
        assertEquals(2, choice.get("trials").size());
        JsonNode first = choice.get("trials").get(0);
        JsonNode second = choice.get("trials").get(1);
        double chosen = second.get("validation_accuracy").asDouble() > first.get("validation_accuracy").asDouble()
                ? 0.01 : 0.05;
        assertEquals(chosen, choice.get("chosen").asDouble(), RATIO_TOLERANCE, "the better rate, the first on ties");

        Map<String, JsonNode> runs = runs(report);
        assertEquals(30, runs.get("original|1.0|convnet|1").get("trainImages").asInt());
        assertEquals(9, runs.get("random|0.3|convnet|1").get("trainImages").asInt(), "round(0.3 x 30)");
        assertEquals(30, runs.get("mmps|0.3|convnet|1").get("trainImages").asInt(), "the table's rows outside the split");
        assertEquals(7, runs.get("random|0.3|convnet|1").get("epochs").asInt(), "equal steps: round(2 x 30 / 9)");
        assertEquals((double) dev.mmps.training.data.FactorSource.open(dir.resolve("tables/mmps-0.3")).storedValues()
                / (40 * 3072), runs.get("mmps|0.3|convnet|1").get("storedRatio").asDouble(), RATIO_TOLERANCE,
                "what the table stores for the whole training set");
        // The layer form: learned once per table on its rows outside the split, counted once for the table.
        assertEquals(List.of("original|1.0|convnet|1", "random|0.3|convnet|1", "random-bytes|0.3|convnet|1",
                "mmps|0.3|convnet|1", "mmps+layer|0.3|convnet|1", "mps+layer|0.3|convnet|1"),
                List.copyOf(runs.keySet()));
        Path layerFile = dir.resolve("out/layers/mmps-0.3/correction-layer.json");
        assertTrue(Files.isRegularFile(layerFile));
        assertEquals(30, report.get("notes").get("layer mmps-0.3").get("images").asInt());
        JsonNode layered = runs.get("mmps+layer|0.3|convnet|1");
        JsonNode plain = runs.get("mmps|0.3|convnet|1");
        assertEquals(plain.get("storedValues").asLong() + Math.round((9 + 3 + 3072) * 30.0 / 40),
                layered.get("storedValues").asLong(), 1, "in proportion to the 30 rows of 40 trained on");
        assertEquals(plain.get("storedBytes").asLong() + Files.size(layerFile) * 30.0 / 40,
                layered.get("storedBytes").asLong(), 1);
        assertEquals(30, layered.get("trainImages").asInt());
        // Bytes: the original files of the images trained on, the table in proportion to its rows trained on.
        Path trainDir = dir.resolve("train");
        OriginalSource originals = OriginalReader.read(trainDir);
        ValidationSplit held = ValidationSplit.of(originals, 0.25, 5);
        long trainedFiles = 0;
        long smallest = Long.MAX_VALUE;
        long largest = 0;
        for (int i : held.training()) {
            long size = Files.size(trainDir.resolve(originals.id(i)));
            trainedFiles += size;
            smallest = Math.min(smallest, size);
            largest = Math.max(largest, size);
        }
        assertEquals(trainedFiles, runs.get("original|1.0|convnet|1").get("storedBytes").asLong());
        long randomBytes = runs.get("random|0.3|convnet|1").get("storedBytes").asLong();
        assertTrue(randomBytes >= 9 * smallest && randomBytes <= 9 * largest, "nine of the files: " + randomBytes);
        long tableBytes = dev.mmps.training.data.FactorSource.open(dir.resolve("tables/mmps-0.3")).storedBytes();
        assertEquals(Math.round(tableBytes * 30.0 / 40), plain.get("storedBytes").asLong());
        // The golden table stores its images at float32, more bytes than their JPEG files: every original fits.
        JsonNode byBytes = runs.get("random-bytes|0.3|convnet|1");
        assertTrue(trainedFiles <= plain.get("storedBytes").asLong());
        assertEquals(30, byBytes.get("trainImages").asInt());
        assertEquals(trainedFiles, byBytes.get("storedBytes").asLong());
        JsonNode whole = runs.get("original|1.0|convnet|1");
        assertEquals(whole.get("accuracy").asDouble(), byBytes.get("accuracy").asDouble(), 0,
                "every image with the same seed: the original run stands for it");
        assertEquals(whole.get("keptEpoch").asInt(), byBytes.get("keptEpoch").asInt());
        assertEquals(0, byBytes.get("seconds").asDouble(), 0, "not trained again");
        String html = Files.readString(dir.resolve("out/evaluation.html"));
        assertEquals(2, html.split("<img ", -1).length - 1, "accuracy against bytes and against values");
        assertTrue(html.contains("MMPS + correction layer") && html.contains("data:image/png;base64,"), html.length()
                + " characters");
        for (JsonNode r : runs.values()) {
            assertEquals(chosen, r.get("learningRate").asDouble(), RATIO_TOLERANCE, r.toString());
            int kept = r.get("keptEpoch").asInt();
            assertTrue(kept >= 1 && kept <= r.get("epochs").asInt(), r.toString());
            double right = r.get("validationAccuracy").asDouble() * 10;
            assertEquals(Math.rint(right), right, RATIO_TOLERANCE, "a count of the 10 held-out images: " + r);
        }
        String markdown = Files.readString(dir.resolve("out/evaluation.md"));
        assertTrue(markdown.contains("convnet: accuracy against stored bytes"), markdown);
        assertTrue(markdown.contains("| MMPS + correction layer |") && markdown.contains(
                "| without the residual stage (MPS + correction layer) |"), markdown);
        assertTrue(markdown.contains("best on 10 original training images held out") && markdown.contains(
                "Learning rate of convnet, chosen on them: " + choice.get("chosen").asDouble()), markdown);

        new EvaluationGrid(EvaluationConfig.load(config, Map.of())).run();
        JsonNode again = JSON.readTree(json.toFile());
        assertEquals(report.get("runs"), again.get("runs"), "a finished grid runs nothing again");
        assertEquals(report.get("notes"), again.get("notes"), "nor chooses the learning rate again");

        ValidationException subsets = assertThrows(ValidationException.class, () -> new EvaluationGrid(
                EvaluationConfig.load(config, Map.of("subsets", dir.resolve("s-{method}-{ratio}-{seed}").toString()))));
        assertTrue(subsets.getMessage().contains("validation.fraction = 0"), subsets.getMessage());
    }

    @Test
    void workersTrainTheGridAsItsOwnProcessWould(@TempDir Path dir) throws Exception {
        String grid = "methods = [original, random, \"random-bytes\", mmps, \"mmps+kd\"]\nseeds = [1, 2]\n"
                + "validation { fraction = 0.25, seed = 5, learning-rates = [0.05, 0.01] }";
        File alone = config(dir.resolve("alone"), 1, grid);
        JsonNode reference = JSON.readTree(new EvaluationGrid(EvaluationConfig.load(alone, Map.of())).run().toFile());
        File shared = config(dir.resolve("shared"), 1, grid);
        // The workers get this process's threads divided by their number: claim twice the threads this process
        // trains with, so that each worker trains with as many as the reference did and repeats it exactly.
        String threads = System.getProperty("ai.djl.pytorch.num_threads");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(2 * Integer.parseInt(threads)));
        int code;
        try {
            code = dev.mmps.training.cli.Main.run(new String[] {"evaluate", "--config", shared.getPath(), "--workers",
                "2"});
        } finally {
            System.setProperty("ai.djl.pytorch.num_threads", threads);
        }
        assertEquals(0, code);
        JsonNode report = JSON.readTree(dir.resolve("shared/out/evaluation.json").toFile());
        Map<String, JsonNode> expected = runs(reference);
        Map<String, JsonNode> runs = runs(report);
        assertEquals(expected.keySet(), runs.keySet());
        for (String key : expected.keySet()) {
            for (String field : List.of("accuracy", "trainImages", "epochs", "keptEpoch", "validationAccuracy",
                    "storedValues", "storedBytes", "learningRate")) {
                assertEquals(expected.get(key).get(field), runs.get(key).get(field), key + " " + field);
            }
        }
        // The shared steps ran once, in the grid's process, as they did alone (their folders and times aside).
        assertEquals(withoutPlaces(reference.get("notes")), withoutPlaces(report.get("notes")));
        assertEquals(0, runs.get("random-bytes|0.3|convnet|2").get("seconds").asDouble(), 0,
                "the original run stands for the whole set, in the grid's process");
        assertTrue(Files.notExists(dir.resolve("shared/out/workers")), "every worker's runs merged");
        assertEquals(2, dev.mmps.training.cli.Main.run(new String[] {"evaluate", "--config", shared.getPath(),
            "--workers", "0"}));
        assertEquals(2, dev.mmps.training.cli.Main.run(new String[] {"evaluate", "--config", shared.getPath(),
            "--worker", "one/two"}));
    }

    /** Notes without the fields that name folders or measure time. */
    private static JsonNode withoutPlaces(JsonNode notes) {
        JsonNode copy = notes.deepCopy();
        for (JsonNode note : copy) {
            if (note.isObject()) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) note).remove(List.of("folder", "table", "settings",
                        "seconds"));
            }
        }
        return copy;
    }

    private static Map<String, JsonNode> runs(JsonNode report) {
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        for (JsonNode r : report.get("runs")) {
            out.put(r.get("method").asText() + "|" + r.get("ratio").asDouble() + "|" + r.get("architecture").asText()
                    + "|" + r.get("seed").asInt(), r);
        }
        return out;
    }

    /** A grid over the golden tables: every kind of method once, one epoch, two batches. */
    static File config(Path dir, int epochs, String extra) throws Exception {
        Path train = TestData.goldenInput(dir.resolve("train"));
        Path tables = TestData.tablesAtRatio03(dir.resolve("tables"), List.of("mps", "mmps"));
        Path file = dir.resolve("grid.conf");
        Files.writeString(file, "evaluation {\n"
                + "  output = \"" + dir.resolve("out") + "\"\n"
                + "  train = \"" + train + "\"\n"
                + "  test = \"" + TestData.cifarSample() + "\"\n"
                + "  tables = \"" + tables + "/{codec}-{ratio}\"\n"
                + "  methods = [original, random, kcenter, mps, mmps, \"mmps+kd\"]\n"
                + "  ratios = [0.3]\n  seeds = [1]\n  batch-size = " + BATCH_SIZE + "\n"
                + "  student.epochs = " + epochs + "\n  teacher.epochs = 1\n  correction.steps = 5\n" + extra + "\n}\n");
        return file.toFile();
    }
}
