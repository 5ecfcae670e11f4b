package dev.mmps.training.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report of a finished grid kept in the repository ({@code benchmarks/results/eval-fashion-fair}, three seeds):
 * its differences paired by seed agree with the same differences worked out from the runs in the file by a plain
 * JSON reader.
 */
class EvaluationReportTest {

    private static final Path RESULTS = Path.of("..", "benchmarks", "results", "eval-fashion-fair");
    private static final Path GRID = Path.of("..", "benchmarks", "evaluation-fashion-mnist-fair.conf");

    @Test
    void pairedDifferencesAreThoseOfTheRunsSeedBySeed(@TempDir Path dir) throws IOException {
        Files.copy(RESULTS.resolve(EvaluationReport.JSON), dir.resolve(EvaluationReport.JSON));
        JsonNode written = new ObjectMapper().readTree(dir.resolve(EvaluationReport.JSON).toFile());
        EvaluationReport report = EvaluationReport.open(dir, EvaluationReport.Settings.of(
                EvaluationConfig.load(GRID.toFile(), Map.of())));
        // Finishing a run the file holds again rewrites the tables from every run.
        report.add(new ObjectMapper().treeToValue(written.get("runs").get(0), Run.class));
        String markdown = Files.readString(dir.resolve(EvaluationReport.MARKDOWN));

        assertTrue(markdown.contains("## convnet: differences paired by seed"), markdown);
        assertEquals(expectedRow(written, "MMPS - MPS", "mmps", "mps"), row(markdown, "MMPS - MPS"));
        assertEquals(expectedRow(written, "MMPS + correction layer - MMPS", "mmps+layer", "mmps"),
                row(markdown, "MMPS + correction layer - MMPS"));
        assertEquals(expectedRow(written, "MMPS - Original", "mmps", "original"), row(markdown, "MMPS - Original"));
    }

    /** The row's cells at 30, 50 and 70%, computed here from the runs. */
    private static String expectedRow(JsonNode file, String title, String minuend, String subtrahend) {
        StringBuilder row = new StringBuilder("| " + title + " |");
        for (double ratio : new double[] {0.3, 0.5, 0.7}) {
            List<Double> differences = new ArrayList<>();
            for (JsonNode a : file.get("runs")) {
                if (!a.get("method").asText().equals(minuend) || a.get("ratio").asDouble() != ratio) {
                    continue;
                }
                for (JsonNode b : file.get("runs")) {
                    double ratioB = subtrahend.equals("original") ? 1.0 : ratio;
                    if (b.get("method").asText().equals(subtrahend) && b.get("ratio").asDouble() == ratioB
                            && b.get("seed").asInt() == a.get("seed").asInt()) {
                        differences.add(100 * (a.get("accuracy").asDouble() - b.get("accuracy").asDouble()));
                    }
                }
            }
            assertEquals(3, differences.size(), title + " at " + ratio);
            double mean = (differences.get(0) + differences.get(1) + differences.get(2)) / 3;
            double squares = 0;
            for (double d : differences) {
                squares += (d - mean) * (d - mean);
            }
            long higher = differences.stream().filter(d -> d > 0).count();
            row.append(String.format(Locale.ROOT, " %+.2f ± %.2f (%d of 3 higher) |", mean, Math.sqrt(squares / 2),
                    higher));
        }
        return row.toString();
    }

    private static String row(String markdown, String title) {
        return markdown.lines().filter(l -> l.startsWith("| " + title + " |")).findFirst()
                .orElseThrow(() -> new AssertionError("no row '" + title + "' in\n" + markdown));
    }
}
