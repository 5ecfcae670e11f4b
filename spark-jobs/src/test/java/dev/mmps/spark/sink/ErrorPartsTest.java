package dev.mmps.spark.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mmps.images.ImageFailure;
import dev.mmps.spark.SparkTestSession;
import dev.mmps.spark.TestInputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Error rows written by the tasks that find them ({@link ErrorParts}) read back by Spark exactly as they
 * were made, nulls and awkward text included; an attempt's rows become visible only when it finishes, and a
 * later attempt of the same task replaces an earlier one.
 */
class ErrorPartsTest {

    private final SparkSession spark = SparkTestSession.get();
    private final Configuration hadoop = new Configuration();

    private static Row error(String id, Timestamp modified, Integer label, String reason) {
        FactorRows.Origin origin = new FactorRows.Origin(id, "file:/in/" + id, 1234L, modified, label,
                label == null ? null : "class-" + label);
        return FactorRows.errorRow(origin, new ImageFailure(ImageFailure.Step.DECODE, reason));
    }

    @Test
    void sparkReadsBackTheRowsAsWritten() {
        Path folder = TestInputs.fresh("error-parts-rows");
        ErrorParts parts = new ErrorParts(folder.toUri().toString());
        List<Row> first = List.of(
                error("cat/a.jpg", new Timestamp(1_700_000_000_123L), 3, "truncated JPEG: 300 of 4,096 bytes"),
                error("cat/ü ñ.jpg", null, null, "reason with \"quotes\", a tab\tand a newline\n"));
        List<Row> second = List.of(error("dog/b.png", new Timestamp(0), 0, "not an image"));
        try (ErrorParts.Writer writer = parts.open(hadoop, "part-00000", 7)) {
            first.forEach(writer::add);
            assertEquals(2, writer.rows());
        }
        try (ErrorParts.Writer writer = parts.open(hadoop, "part-00001", 8)) {
            second.forEach(writer::add);
        }
        try (ErrorParts.Writer nothing = parts.open(hadoop, "part-00002", 9)) {
            assertEquals(0, nothing.rows());
        }
        List<Row> read = parts.read(spark).orderBy("id").collectAsList();
        assertEquals(List.of(second.get(0), first.get(0), first.get(1)).stream().sorted(
                java.util.Comparator.comparing(r -> r.getString(0))).toList(), read);
        assertEquals(columns(FactorRows.ERRORS), columns(parts.read(spark).schema()));
    }

    /** Names and types of a table's columns (Spark reads every column of a file as nullable). */
    private static List<String> columns(StructType table) {
        return Stream.of(table.fields()).map(f -> f.name() + " " + f.dataType().simpleString()).toList();
    }

    @Test
    void anUnfinishedOrDiscardedAttemptIsNotReadAndALaterAttemptReplacesAnEarlierOne() throws IOException {
        Path folder = TestInputs.fresh("error-parts-attempts");
        ErrorParts parts = new ErrorParts(folder.toUri().toString());
        ErrorParts.Writer unfinished = parts.open(hadoop, "part-00000", 1);
        unfinished.add(error("a.jpg", null, null, "first attempt"));
        assertEquals(0, parts.read(spark).count(), "rows of an attempt that has not finished are not read");
        unfinished.discard();
        assertEquals(0, parts.read(spark).count());
        try (Stream<Path> left = Files.walk(folder)) {
            assertFalse(left.anyMatch(p -> p.toString().endsWith(".parquet")), "the discarded attempt left no file");
        }

        try (ErrorParts.Writer earlier = parts.open(hadoop, "part-00000", 2)) {
            earlier.add(error("a.jpg", null, null, "second attempt"));
            earlier.add(error("b.jpg", null, null, "second attempt"));
        }
        try (ErrorParts.Writer later = parts.open(hadoop, "part-00000", 3)) {
            later.add(error("a.jpg", null, null, "third attempt"));
        }
        List<Row> read = parts.read(spark).collectAsList();
        assertEquals(1, read.size(), read.toString());
        assertEquals("third attempt", read.get(0).getString(FactorRows.ERRORS.fieldIndex("reason")));
    }

    @Test
    void noPartsReadAsAnEmptyTable() {
        ErrorParts parts = new ErrorParts(TestInputs.fresh("error-parts-none").resolve("never-made").toUri()
                .toString());
        assertEquals(0, parts.read(spark).count());
        assertEquals(columns(FactorRows.ERRORS), columns(parts.read(spark).schema()));
    }

    @Test
    void aSchemaWithColumnsItCannotHoldIsRefused() {
        StructType table = new StructType().add("id", DataTypes.StringType).add("score", DataTypes.DoubleType);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ErrorParts.parquetSchema(table));
        assertEquals("column score is double: error parts hold strings, longs, ints and timestamps only",
                e.getMessage());
    }
}
