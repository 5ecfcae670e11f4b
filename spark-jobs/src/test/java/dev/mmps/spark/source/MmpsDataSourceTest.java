package dev.mmps.spark.source;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.settings.ValidationException;
import dev.mmps.spark.SparkTestSession;
import dev.mmps.spark.TestInputs;
import dev.mmps.spark.compress.CompressJob;
import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.spark.ml.MmpsDecoder;
import dev.mmps.spark.select.SelectJob;
import dev.mmps.table.FactorTableReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.sources.EqualTo;
import org.apache.spark.sql.sources.Filter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code format("mmps")} and the decoder stage on real tables: the golden ones and one the job writes here. */
class MmpsDataSourceTest {

    /** Rebuilt pixels against the Java reader's: the same factors, contracted in another order. */
    private static final float REBUILD_TOLERANCE = 1e-5f;

    private static final Path GOLDEN = Path.of("..", "factor-table", "src", "test", "resources", "golden")
            .toAbsolutePath().normalize();
    private static final SparkSession SPARK = SparkTestSession.get();
    private static Path input;
    private static Path table;

    @BeforeAll
    static void compress() throws IOException {
        input = TestInputs.fresh("source-in");
        TestInputs.copyCifar(input, 6);
        table = TestInputs.fresh("source-out").resolve("table");
        Map<String, Object> o = new HashMap<>();
        o.put("input", input.toString());
        o.put("output", table.toString());
        new CompressJob(SPARK, ConfigLoader.load(null, o)).run();
    }

    private static List<Path> tables() throws IOException {
        List<Path> all = new ArrayList<>();
        all.add(GOLDEN.resolve("v1"));
        try (Stream<Path> v2 = Files.list(GOLDEN.resolve("v2"))) {
            v2.sorted().forEach(all::add);
        }
        all.add(table);
        return all;
    }

    @Test
    void rebuiltImagesEqualTheJavaReadersOnEveryCodecAndDtype() throws IOException {
        for (Path t : tables()) {
            Map<String, float[]> expected = new HashMap<>();
            try (FactorTableReader reader = FactorTableReader.open(t.toString(), new Configuration())) {
                reader.forEachRemaining(e -> expected.put(e.id(), reader.reconstruct(e)));
            }
            List<Row> rows = SPARK.read().format("mmps").option("decode", "array").load(t.toString())
                    .select("id", "image").collectAsList();
            assertEquals(expected.size(), rows.size(), "rows of " + t);
            for (Row r : rows) {
                float[] want = expected.get(r.getString(0));
                List<Float> got = r.getList(1);
                assertEquals(want.length, got.size());
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got.get(i), REBUILD_TOLERANCE, r.getString(0) + " of " + t + " at " + i);
                }
            }
        }
    }

    @Test
    void theImageStructHoldsTheRebuiltPixelsInBgrOrderAndTheDecoderStageMakesTheSame() {
        Dataset<Row> images = SPARK.read().format("mmps").load(table.toString());
        Dataset<Row> arrays = SPARK.read().format("mmps").option("decode", "array").load(table.toString());
        Row image = images.where(col("id").equalTo("cat/0000.jpg")).select("image").first().getStruct(0);
        List<Float> rgb = arrays.where(col("id").equalTo("cat/0000.jpg")).select("image").first().getList(0);
        assertEquals(32, image.getInt(1));
        assertEquals(32, image.getInt(2));
        assertEquals(3, image.getInt(3));
        assertEquals(16, image.getInt(4), "OpenCV's CV_8UC3");
        byte[] bgr = (byte[]) image.get(5);
        for (int p = 0; p < 32 * 32; p++) {
            for (int c = 0; c < 3; c++) {
                float v = Math.max(0, Math.min(1, rgb.get(p * 3 + 2 - c)));
                assertEquals(Math.round(v * 255), bgr[p * 3 + c] & 0xff, "pixel " + p + " channel " + c);
            }
        }
        Dataset<Row> stored = SPARK.read().format("mmps").option("decode", "none").load(table.toString());
        Row staged = new MmpsDecoder().transform(stored).where(col("id").equalTo("cat/0000.jpg")).select("image")
                .first().getStruct(0);
        assertArrayEquals(bgr, (byte[]) staged.get(5), "the decoder stage rebuilds as the data source does");
    }

    @Test
    void aQueryOnLabelsReadsNoFactorColumn() {
        FactorRelation relation = FactorRelation.open(SPARK.sqlContext(), table.toString(), null, null);
        String labels = relation.stored(List.of("id", "label"), new Filter[] {new EqualTo("label", 3)})
                .queryExecution().executedPlan().toString();
        assertTrue(labels.contains("ReadSchema: struct<id:string,label:int>"), labels);
        assertTrue(labels.contains("PushedFilters: [IsNotNull(label), EqualTo(label,3)]"), labels);
        String images = relation.stored(List.of("id", "image"), new Filter[0]).queryExecution().executedPlan()
                .toString();
        assertTrue(images.contains("stages#"), images);
        assertFalse(images.contains("discarded#"), images);
    }

    @Test
    void filtersOnMetadataSelectTheRowsTheJavaReaderFinds() {
        List<String> cats = new ArrayList<>();
        try (FactorTableReader reader = FactorTableReader.open(table.toString(), new Configuration())) {
            reader.forEachRemaining(e -> {
                if ("cat".equals(e.className())) {
                    cats.add(e.id());
                }
            });
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        List<String> found = SPARK.read().format("mmps").load(table.toString())
                .where(col("class_name").equalTo("cat").and(col("psnr_db").gt(0))).select("id").as(
                        org.apache.spark.sql.Encoders.STRING()).collectAsList();
        assertEquals(cats.stream().sorted().toList(), found.stream().sorted().toList());
        assertEquals(6, found.size());
    }

    @Test
    void aSubsetTableReadsAsItsRows() {
        Path subset = TestInputs.fresh("source-subset").resolve("subset");
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("input", input.toString());
        o.put("output", subset.toString());
        o.put("selection.method", "random");
        o.put("selection.ratio", 0.5);
        new SelectJob(SPARK, ConfigLoader.loadSelection(null, o)).run();
        Dataset<Row> rows = SPARK.read().format("mmps").load(subset.toString());
        assertEquals(30, rows.count());
        assertTrue(List.of(rows.columns()).contains("pick"));
        ValidationException decode = assertThrows(ValidationException.class,
                () -> SPARK.read().format("mmps").option("decode", "image").load(subset.toString()));
        assertTrue(decode.getMessage().contains("subset table"), decode.getMessage());
    }

    @Test
    void aTableOfANewerSchemaOrABadOptionIsRefusedNamingIt() throws IOException {
        Path newer = TestInputs.fresh("source-newer");
        copy(GOLDEN.resolve("v1"), newer);
        Path manifest = newer.resolve("manifest.json");
        Files.writeString(manifest, Files.readString(manifest).replaceFirst("\"schema_version\"\\s*:\\s*\\d+",
                "\"schema_version\" : 99"));
        ValidationException version = assertThrows(ValidationException.class,
                () -> SPARK.read().format("mmps").load(newer.toString()));
        assertTrue(version.getMessage().contains("99"), version.getMessage());
        ValidationException option = assertThrows(ValidationException.class,
                () -> SPARK.read().format("mmps").option("decode", "pixels").load(table.toString()));
        assertTrue(option.getMessage().contains("'pixels'"), option.getMessage());
        ValidationException none = assertThrows(ValidationException.class,
                () -> SPARK.read().format("mmps").load(input.toString()));
        assertFalse(none.getMessage().isBlank());
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
    }
}
