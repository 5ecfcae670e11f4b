package dev.mmps.training.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.settings.ValidationException;
import dev.mmps.training.TestData;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Subsets made by {@code mmps select}, read back as indices of the training images they name. */
class SubsetTableTest {

    /** The columns of mmps select's selection table that the reader uses, and two it ignores. */
    private static final MessageType SELECTION = MessageTypeParser.parseMessageType(
            "message spark_schema { required binary id (STRING); optional int32 label; required int32 pick; }");

    @TempDir
    Path dir;

    @Test
    void idsBecomeTheIndicesOfTheTrainingImages() throws IOException {
        OriginalSource train = OriginalReader.read(TestData.cifarSample());
        int[] expected = Selection.random(train.size(), 60, 3);
        List<String> ids = new ArrayList<>();
        for (int i = expected.length - 1; i >= 0; i--) {
            ids.add(train.id(expected[i]));
        }
        Path subset = write("kept", ids);
        assertArrayEquals(expected, SubsetTable.read(subset, train, 60));
    }

    @Test
    void aSubsetOfOtherImagesOrAnotherBudgetIsRefused() throws IOException {
        OriginalSource train = OriginalReader.read(TestData.cifarSample());
        List<String> ids = new ArrayList<>(List.of("cat/not-here.jpg"));
        for (int i = 1; i < 60; i++) {
            ids.add(train.id(i));
        }
        Path other = write("other", ids);
        ValidationException unknown = assertThrows(ValidationException.class,
                () -> SubsetTable.read(other, train, 60));
        assertTrue(unknown.getMessage().contains("cat/not-here.jpg"), unknown.getMessage());

        Path small = write("small", ids.subList(1, 60));
        ValidationException budget = assertThrows(ValidationException.class,
                () -> SubsetTable.read(small, train, 60));
        assertTrue(budget.getMessage().contains("59 images where the budget buys 60"), budget.getMessage());

        ValidationException missing = assertThrows(ValidationException.class,
                () -> SubsetTable.read(dir.resolve("nothing"), train, 60));
        assertTrue(missing.getMessage().contains("bin/mmps select"), missing.getMessage());
    }

    private Path write(String name, List<String> ids) throws IOException {
        Path folder = dir.resolve(name);
        Files.createDirectories(folder.resolve("selection"));
        SimpleGroupFactory groups = new SimpleGroupFactory(SELECTION);
        try (ParquetWriter<org.apache.parquet.example.data.Group> writer = ExampleParquetWriter.builder(
                new org.apache.hadoop.fs.Path(folder.resolve("selection/part-00000.parquet").toUri()))
                .withConf(new Configuration()).withType(SELECTION).build()) {
            for (int i = 0; i < ids.size(); i++) {
                writer.write(groups.newGroup().append("id", ids.get(i)).append("label", 0).append("pick", i));
            }
        }
        return folder;
    }
}
