package dev.mmps.training.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.TestData;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.data.SourceDataset;
import dev.mmps.training.distill.CorrectionTable;
import dev.mmps.training.distill.Corrections;
import dev.mmps.training.model.Architecture;
import dev.mmps.training.model.Classifier;
import dev.mmps.training.model.ClassifierTraining;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files of a training run written by release 0.1 ({@code src/test/resources/outputs-v0.1}): a kept
 * teacher, kept corrections and an evaluation in progress load as they were written, and writing them
 * again gives the same JSON. Expected values come from the files themselves, read with a plain JSON reader.
 */
class EarlierOutputsTest {

    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final Path RUN = TestData.outputsV01().resolve("run");

    @Test
    void aSavedTeacherLoadsAndScoresWhatItsNotesSay(@TempDir Path dir) throws IOException {
        Path folder = RUN.resolve("teacher-convnet");
        JsonNode written = PLAIN.readTree(folder.resolve("classifier.json").toFile());
        OriginalSource test = OriginalReader.read(TestData.cifarSample());
        try (Classifier teacher = Classifier.load(folder)) {
            assertEquals(Architecture.CONVNET, teacher.spec().architecture());
            assertEquals(written.get("shape").asText(), teacher.spec().shape().toString());
            assertEquals(test.classes(), teacher.spec().classes());
            Classifier.Notes notes = Classifier.notes(folder);
            JsonNode n = written.get("notes");
            assertEquals(new Classifier.Notes(n.get("settings").asText(), n.get("trained_on").asText(),
                    n.get("images").asInt(), n.get("epochs").asInt(), n.get("test_accuracy").asDouble(),
                    n.get("seconds").asDouble()), notes);
            // The parameters are the ones it was tested with: the same test set gives the same count.
            assertEquals(notes.testAccuracy(), ClassifierTraining.accuracy(teacher,
                    new SourceDataset(test, SourceDataset.Options.inOrder(20))));

        }
        // A classifier of the same contract saved with the same notes writes the same description, plus the
        // parameter count that later releases add.
        try (Classifier same = Classifier.create(Classifier.Spec.of(Architecture.CONVNET, test))) {
            ClassifierTraining.fit(same, new SourceDataset(test, new int[] {0, 100},
                    SourceDataset.Options.inOrder(2)), new ClassifierTraining.Settings(1, 0.05f, 0.9f, 0f), 1, "save");
            same.save(dir, Classifier.notes(folder));
        }
        com.fasterxml.jackson.databind.node.ObjectNode now =
                (com.fasterxml.jackson.databind.node.ObjectNode) PLAIN.readTree(dir.resolve("classifier.json").toFile());
        assertEquals(86_090, now.remove("parameters").asLong());
        assertEquals(written, now);
    }

    @Test
    void keptCorrectionsReadAsTheirSummarySays(@TempDir Path dir) throws IOException {
        Path folder = RUN.resolve("corrections/mmps-0.3");
        JsonNode written = PLAIN.readTree(folder.resolve(CorrectionTable.SUMMARY).toFile());
        CorrectionTable.Summary summary = CorrectionTable.summary(folder);
        assertEquals(written.get("settings").asText(), summary.settings());
        assertEquals(written.get("distillation_loss_after").asDouble(), summary.distillationLossAfter());
        Corrections corrections = CorrectionTable.read(folder);
        assertEquals(summary.images(), corrections.terms().size());
        assertEquals(summary.rank(), corrections.rank());
        assertEquals(summary.valuesPerImage(), corrections.valuesPerImage());
        assertEquals(summary.storedBytes(), CorrectionTable.storedBytes(folder));

        CorrectionTable.Summary again = CorrectionTable.write(dir, corrections, summary);
        ObjectNode rewritten = (ObjectNode) PLAIN.readTree(dir.resolve(CorrectionTable.SUMMARY).toFile());
        assertEquals(Files.size(dir.resolve(CorrectionTable.TABLE)), rewritten.remove("stored_bytes").asLong());
        assertEquals(again.storedBytes(), Files.size(dir.resolve(CorrectionTable.TABLE)));
        ObjectNode expected = written.deepCopy();
        expected.remove("stored_bytes");
        assertEquals(expected, rewritten, "the same corrections and losses, in the same keys");
    }

    @Test
    void anEvaluationResumesWithItsRunsAndRewritesThemAlike(@TempDir Path dir) throws IOException {
        Files.copy(RUN.resolve(EvaluationReport.JSON), dir.resolve(EvaluationReport.JSON));
        JsonNode written = PLAIN.readTree(RUN.resolve(EvaluationReport.JSON).toFile());
        Path grid = TestData.outputsV01().resolve("grid.conf");
        // Made before there was a schedule or a validation split: every student trained for the same epochs on
        // every training image and was tested after its last.
        EvaluationReport report = EvaluationReport.open(dir, EvaluationReport.Settings.of(EvaluationConfig.load(
                grid.toFile(), Map.of("student.schedule", "equal-epochs", "validation.fraction", 0,
                        "validation.learning-rates", java.util.List.of()))));
        assertEquals(written.get("runs").size(), report.size());
        for (JsonNode r : written.get("runs")) {
            Run run = PLAIN.treeToValue(r, Run.class);
            assertTrue(report.has(run.key()), run.key());
        }

        // Finishing a run again that the file already holds rewrites both files as they were.
        report.add(PLAIN.treeToValue(written.get("runs").get(0), Run.class));
        assertEquals(written, PLAIN.readTree(dir.resolve(EvaluationReport.JSON).toFile()));
        assertEquals(Files.readString(RUN.resolve(EvaluationReport.MARKDOWN)),
                Files.readString(dir.resolve(EvaluationReport.MARKDOWN)));

        ValidationException other = assertThrows(ValidationException.class,
                () -> EvaluationReport.open(dir, EvaluationReport.Settings.of(EvaluationConfig.load(grid.toFile(),
                        Map.of("student.epochs", 2)))));
        assertTrue(other.getMessage().contains("other settings"), other.getMessage());
        ValidationException steps = assertThrows(ValidationException.class,
                () -> EvaluationReport.open(dir, EvaluationReport.Settings.of(EvaluationConfig.load(grid.toFile(),
                        Map.of()))));
        assertTrue(steps.getMessage().contains("\"schedule\":\"equal-steps\""), "equal steps is another protocol: "
                + steps.getMessage());
    }
}
