package dev.mmps.training.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.TestData;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole grid on the golden tables' 40 images (two batches of 20 per epoch), tested on the 200 sample
 * images: every method runs, the report holds what it should, and a second start resumes instead of
 * repeating.
 */
class EvaluationGridTest {

    /** Stored-ratio bookkeeping is exact arithmetic on counts. */
    private static final double RATIO_TOLERANCE = 1e-9;
    /** A plain reader, not the one the report is written with. */
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void runsTheGridAndResumes(@TempDir Path dir) throws Exception {
        File config = config(dir, 1);
        Path json = new EvaluationGrid(EvaluationConfig.load(config, Map.of())).run();
        JsonNode report = JSON.readTree(json.toFile());
        Map<String, JsonNode> runs = runs(report);
        assertEquals(List.of("original|1.0|convnet|1", "random|0.3|convnet|1", "kcenter|0.3|convnet|1",
                "mps|0.3|convnet|1", "mmps|0.3|convnet|1", "mmps+kd|0.3|convnet|1", "mps+kd|0.3|convnet|1"),
                List.copyOf(runs.keySet()));
        for (JsonNode r : runs.values()) {
            double accuracy = r.get("accuracy").asDouble();
            assertTrue(accuracy >= 0 && accuracy <= 1, r.toString());
        }
        assertEquals(12, runs.get("random|0.3|convnet|1").get("trainImages").asInt());
        assertEquals(12, runs.get("kcenter|0.3|convnet|1").get("trainImages").asInt());
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

    private static Map<String, JsonNode> runs(JsonNode report) {
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        for (JsonNode r : report.get("runs")) {
            out.put(r.get("method").asText() + "|" + r.get("ratio").asDouble() + "|" + r.get("architecture").asText()
                    + "|" + r.get("seed").asInt(), r);
        }
        return out;
    }

    /** A grid over the golden tables: every kind of method once, one epoch, two batches. */
    static File config(Path dir, int epochs) throws Exception {
        Path train = TestData.goldenInput(dir.resolve("train"));
        Path tables = TestData.tablesAtRatio03(dir.resolve("tables"), List.of("mps", "mmps"));
        Path file = dir.resolve("grid.conf");
        Files.writeString(file, "evaluation {\n"
                + "  output = \"" + dir.resolve("out") + "\"\n"
                + "  train = \"" + train + "\"\n"
                + "  test = \"" + TestData.cifarSample() + "\"\n"
                + "  tables = \"" + tables + "/{codec}-{ratio}\"\n"
                + "  methods = [original, random, kcenter, mps, mmps, \"mmps+kd\"]\n"
                + "  ratios = [0.3]\n  seeds = [1]\n  batch-size = 20\n"
                + "  student.epochs = " + epochs + "\n  teacher.epochs = 1\n  correction.steps = 5\n}\n");
        return file.toFile();
    }
}
