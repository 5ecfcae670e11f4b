package dev.mmps.spark.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.spark.SparkTestSession;
import dev.mmps.spark.TestInputs;
import dev.mmps.images.ChannelMode;
import dev.mmps.images.DecodedImage;
import dev.mmps.images.Preprocess;
import dev.mmps.table.FactorFormat;
import dev.mmps.table.FactorTableReader;
import dev.mmps.tensor.metrics.Quality;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * A factor table written by schema version 1 (the columns of today's version; MMPS rows at float32) (ten CIFAR-10 sample images, ratio 0.3, two stages)
 * is kept under src/test/resources/golden/v1 and must stay readable: every row rebuilds an image
 * whose PSNR against the sample source is the one stored with it.
 */
class GoldenTableTest {

    private static final String GOLDEN = Path.of("src/test/resources/golden/v1").toAbsolutePath().toString();
    /** Stored PSNR against one recomputed from the rebuilt pixels, in dB. */
    private static final double PSNR_TOLERANCE_DB = 1e-3;

    @Test
    void versionOneRowsRebuildTheirImages() throws Exception {
        Configuration conf = new Configuration();
        int version = Manifest.read(GOLDEN, conf).get("schema_version").asInt();
        assertEquals(1, version);
        assertTrue(version >= FactorFormat.OLDEST_READABLE_VERSION && version <= FactorFormat.SCHEMA_VERSION);
        Preprocess preprocess = new Preprocess(0, 0, ChannelMode.AUTO, 100_000_000L);
        Set<String> classes = new HashSet<>();
        int rows = 0;
        try (FactorTableReader reader = FactorTableReader.open(GOLDEN, conf)) {
            while (reader.hasNext()) {
                FactorTableReader.Entry e = reader.next();
                Path source = TestInputs.SAMPLES.resolve("cifar10").resolve(e.id());
                DecodedImage original = preprocess.apply(Files.readAllBytes(source));
                float[] rebuilt = e.reconstruct();
                double psnr = Quality.psnrDb(Quality.squaredError(original.pixels(), rebuilt, rebuilt.length),
                        rebuilt.length);
                assertEquals(e.psnrDb(), psnr, PSNR_TOLERANCE_DB, e.id());
                assertTrue(e.ratio() <= 0.3, e.id());
                assertEquals(e.className(), e.id().substring(0, e.id().indexOf('/')));
                classes.add(e.className());
                rows++;
            }
        }
        assertEquals(10, rows);
        assertEquals(10, classes.size());
    }

    /**
     * Version 2 tables of the same ten images, one per codec and stored precision that version 2
     * introduced: every row rebuilds to the PSNR stored with it, so the blob encodings cannot drift.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"mps-fp16", "svd-int8", "cp-int8-core", "tucker-fp32"})
    void versionTwoRowsOfEveryCodecAndDtypeRebuildTheirImages(String name) throws Exception {
        String golden = Path.of("src/test/resources/golden/v2", name).toAbsolutePath().toString();
        Configuration conf = new Configuration();
        assertEquals(2, Manifest.read(golden, conf).get("schema_version").asInt());
        String codec = name.substring(0, name.indexOf('-'));
        Preprocess preprocess = new Preprocess(0, 0, ChannelMode.AUTO, 100_000_000L);
        int rows = 0;
        try (FactorTableReader reader = FactorTableReader.open(golden, conf)) {
            while (reader.hasNext()) {
                FactorTableReader.Entry e = reader.next();
                assertEquals(codec, e.codec());
                DecodedImage original = preprocess.apply(Files.readAllBytes(TestInputs.SAMPLES.resolve("cifar10")
                        .resolve(e.id())));
                float[] rebuilt = reader.reconstruct(e);
                double psnr = Quality.psnrDb(Quality.squaredError(original.pixels(), rebuilt, rebuilt.length),
                        rebuilt.length);
                assertEquals(e.psnrDb(), psnr, PSNR_TOLERANCE_DB, e.id());
                rows++;
            }
        }
        assertEquals(10, rows);
    }

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
