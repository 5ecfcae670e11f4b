package dev.mmps.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmps.training.TestData;
import dev.mmps.training.eval.DistillationGrid;
import dev.mmps.training.files.JsonFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mmps evaluate} with a distillation grid on the 200 sample images: every method at IPC 1 trains its
 * student within the budget, results and condensed sets are kept and reused by a second start, and results
 * made with other settings are refused.
 */
class EvaluateDistillationCommandTest {

    @Test
    void everyMethodTrainsAStudentWithinItsBudgetAndASecondStartReusesThem(@TempDir Path dir) throws Exception {
        String sample = TestData.cifarSample().toString();
        Path output = dir.resolve("eval");
        String grid = "evaluation { output = \"" + output + "\", train = \"" + sample + "\", test = \"" + sample
                + "\"\n methods = [], seeds = [1]\n"
                + " experts { filters = 16, depth = 1, count = 1, epochs = 2, batch-size = 50, augmentation { padding "
                + "= 0, flip = false } }\n"
                + " condense { iterations = 2, syn-steps = 2, expert-epochs = 1, max-start-epoch = 1\n"
                + "   lss { rank = auto, auto-images = 16 } }\n"
                + " distillation { ipcs = [1], student { steps = 2 } } }\n";
        Path config = Files.writeString(dir.resolve("grid.conf"), grid);
        assertEquals(Main.OK, Main.commandLine().execute("evaluate", "--config", config.toString()));

        JsonNode report = JsonFiles.readTree(output.resolve(DistillationGrid.JSON));
        Set<String> methods = new HashSet<>();
        long budget = 10L * 32 * 32 * 3;
        for (JsonNode r : report.get("results")) {
            String method = r.get("method").asText();
            methods.add(method);
            double accuracy = r.get("accuracy").asDouble();
            assertTrue(accuracy >= 0 && accuracy <= 1, method + " accuracy " + accuracy);
            assertEquals(budget, r.get("budget_values").asLong(), method);
            // Condensed sets count their learned learning rate beside the budget's images.
            assertTrue(r.get("stored_values").asLong() <= budget + 1, method + " stores "
                    + r.get("stored_values").asLong());
            assertTrue(r.get("images").asInt() >= 10, method + " keeps at least one image per class");
        }
        assertEquals(new HashSet<>(DistillationGrid.METHODS), methods);
        assertEquals(10, report.get("results").get(0).get("images").asInt(), "random keeps ipc images per class");
        assertEquals(4, report.get("costs").size(), "mtt, nsd, lss and lss-hard were condensed");
        String markdown = Files.readString(output.resolve(DistillationGrid.MARKDOWN));
        assertTrue(markdown.contains("| MTT-LSS, hard labels |") && markdown.contains("IPC 1"), markdown);
        assertTrue(markdown.contains("| MTT-LSS | 1 | rank 7 |") && markdown.contains("| MTT | 1 | pixels |"),
                markdown);
        assertTrue(Files.isRegularFile(output.resolve("synthetic/nsd-ipc1/arrays.parquet")));

        long modified = Files.getLastModifiedTime(output.resolve("synthetic/lss-ipc1/manifest.json")).toMillis();
        assertEquals(Main.OK, Main.commandLine().execute("evaluate", "--config", config.toString()));
        assertEquals(report, JsonFiles.readTree(output.resolve(DistillationGrid.JSON)), "nothing new to run");
        assertEquals(modified, Files.getLastModifiedTime(output.resolve("synthetic/lss-ipc1/manifest.json"))
                .toMillis());

        // Rank auto aiming at 16 images a class: rank 7 keeps 18 (rank 8 keeps 14, as far off); without the 10
        // label values an image, rank 8 would keep 15, nearer, but the hard-label set takes the soft one's rank 7
        // (19 images a class), so that the two differ in their labels alone.
        for (String set : new String[] {"lss-ipc1", "lss-hard-ipc1"}) {
            JsonNode made = JsonFiles.readTree(output.resolve("synthetic").resolve(set).resolve("manifest.json"));
            assertEquals(7, made.get("settings").get("lss").get("rank").asInt(), set);
            assertEquals(set.equals("lss-ipc1") ? 18 : 19, made.get("images_per_class").asInt(), set);
        }

        // Results written before NSD's blocks had a side: the finished students stand.
        Path json = output.resolve(DistillationGrid.JSON);
        Files.writeString(json, Files.readString(json).replace(",\\\"side\\\":0.5", ""));
        assertTrue(!Files.readString(json).contains("side"), "the settings text no longer names the side");
        assertEquals(Main.OK, Main.commandLine().execute("evaluate", "--config", config.toString()));
        assertEquals(report.get("results"), JsonFiles.readTree(json).get("results"), "nothing new to run");

        Path other = Files.writeString(dir.resolve("other.conf"), grid.replace("steps = 2 } } }",
                "steps = 3 } } }"));
        assertEquals(Main.USAGE, Main.commandLine().execute("evaluate", "--config", other.toString()),
                "results of other settings are not mixed in");
        // Other sizes of one method: its finished set, and so its students, are not today's.
        Path rank = Files.writeString(dir.resolve("rank.conf"), grid.replace("auto-images = 16", "auto-images = 30"));
        assertEquals(Main.USAGE, Main.commandLine().execute("evaluate", "--config", rank.toString()),
                "students of a set made with other sizes are refused");
    }
}
