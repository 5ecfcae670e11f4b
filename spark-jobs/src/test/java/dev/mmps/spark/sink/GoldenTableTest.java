package dev.mmps.spark.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmps.spark.SparkTestSession;
import java.nio.file.Path;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The golden tables of every schema version (kept with the format, in
 * {@code factor-table/src/test/resources/golden}, where their rows and manifests are checked) read in
 * Spark with the schema this build writes.
 */
class GoldenTableTest {

    private static final String GOLDEN = Path.of("..", "factor-table", "src", "test", "resources", "golden", "v1")
            .toAbsolutePath().normalize().toString();

    @Test
    void sparkReadsVersionOneWithTodaysSchema() {
        StructType schema = SparkTestSession.get().read().parquet(GOLDEN + "/factors").schema();
        assertEquals(FactorRows.FACTORS.fieldNames().length, schema.fieldNames().length);
        for (String name : FactorRows.FACTORS.fieldNames()) {
            // Parquet keeps element nullability loosely; the shape of every column must match.
            assertEquals(FactorRows.FACTORS.apply(name).dataType().simpleString(),
                    schema.apply(name).dataType().simpleString(), name);
        }
        StructType errors = SparkTestSession.get().read().parquet(GOLDEN + "/errors").schema();
        assertEquals(FactorRows.ERRORS.fieldNames().length, errors.fieldNames().length);
    }
}
