package dev.mmps.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.training.TestData;
import dev.mmps.training.data.Augmentation;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.data.SourceDataset;
import dev.mmps.training.distill.CorrectionLayer;
import dev.mmps.training.distill.CorrectionTable;
import dev.mmps.training.model.Architecture;
import dev.mmps.training.model.Classifier;
import dev.mmps.training.model.ClassifierTraining;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mmps distill}, whose default form is the layer: a saved teacher and a table give a layer file beside
 * nothing else.
 */
class DistillLayerCommandTest {

    @Test
    void writesTheLayerAndRefusesToOverwriteIt(@TempDir Path dir) throws Exception {
        OriginalSource originals = OriginalReader.read(TestData.cifarSample());
        try (Classifier teacher = Classifier.create(Classifier.Spec.of(Architecture.CONVNET, originals))) {
            ClassifierTraining.fit(teacher, new SourceDataset(originals, new SourceDataset.Options(50, true,
                    Augmentation.NONE, 1)), new ClassifierTraining.Settings(1, 0.05f, 0.9f, 0f), 1, "teacher");
            teacher.save(dir.resolve("teacher"), Classifier.Notes.NONE);
        }
        Path config = Files.writeString(dir.resolve("layer.conf"),
                "evaluation.correction.layer { form = channels, loss = kl, epochs = 1, batch-size = 20 }");
        String[] args = {"distill", "--teacher", dir.resolve("teacher").toString(), "--originals",
            TestData.cifarSample().toString(), "--table", TestData.table("mmps-fp32").toString(), "--out",
            dir.resolve("layer").toString(), "--config", config.toString()};
        assertEquals(Main.OK, Main.commandLine().execute(args));
        assertTrue(Files.notExists(dir.resolve("layer").resolve(CorrectionTable.TABLE)), "no per-image terms");
        CorrectionLayer layer = CorrectionLayer.read(dir.resolve("layer"));
        assertEquals(CorrectionLayer.Form.CHANNELS, layer.form());
        assertEquals(9 + 3, layer.storedValues());
        assertTrue(CorrectionLayer.summary(dir.resolve("layer")).settings().contains("kl at temperature 4"));
        assertEquals(Main.USAGE, Main.commandLine().execute(args), "a second run does not overwrite the layer");
    }
}
