package dev.mmps.spark.ml;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.settings.ValidationException;
import dev.mmps.spark.SparkTestSession;
import dev.mmps.spark.TestInputs;
import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.spark.compress.CompressJob;
import dev.mmps.table.FactorFormat;
import dev.mmps.table.FactorTableReader;
import dev.mmps.table.ManifestFiles;
import dev.mmps.table.TableManifest;
import org.apache.hadoop.conf.Configuration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The encoder as a pipeline stage on a real local SparkSession, against the compress job on the same files. */
class MmpsEncoderTest {

    /** The columns a factor row is compared on: all of the factor table's but the source's modification time. */
    private static final List<String> COMPARED = List.of(FactorFormat.ID, FactorFormat.LABEL, FactorFormat.CLASS_NAME,
            FactorFormat.SOURCE_BYTES, FactorFormat.HEIGHT, FactorFormat.WIDTH, FactorFormat.CHANNELS,
            FactorFormat.LAYOUT, FactorFormat.CODEC, FactorFormat.DTYPE, FactorFormat.PARAMETERS, FactorFormat.RATIO,
            FactorFormat.PSNR_DB, FactorFormat.RELATIVE_ERROR);

    private static final SparkSession SPARK = SparkTestSession.get();
    private static Path input;
    private static Path table;
    private static List<String> broken;

    @BeforeAll
    static void compressWithTheJob() throws Exception {
        input = TestInputs.fresh("encoder-in");
        TestInputs.copyCifar(input, 4);
        broken = TestInputs.writeBroken(input.resolve("cat"));
        table = TestInputs.fresh("encoder-job").resolve("table");
        Map<String, Object> o = new HashMap<>();
        o.put("input", input.toString());
        o.put("output", table.toString());
        new CompressJob(SPARK, ConfigLoader.load(null, o)).run();
    }

    private static Dataset<Row> files() {
        return SPARK.read().format("binaryFile").option("recursiveFileLookup", true).load(input.toString());
    }

    @Test
    void aFittedSavedAndLoadedEncoderWritesTheRowsOfCompress() throws Exception {
        MmpsEncoder encoder = new MmpsEncoder().setInputCol("content").setRoot(input.toString());
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {encoder}).fit(files());
        Path saved = TestInputs.fresh("encoder-saved").resolve("model");
        fitted.write().save(saved.toString());
        MmpsEncoderModel model = (MmpsEncoderModel) PipelineModel.load(saved.toString()).stages()[0];
        MmpsEncoderModel direct = MmpsEncoderModel.load(saved.resolve("stages").toFile().listFiles()[0].toString());
        assertEquals(model.getLayout(), direct.getLayout());

        Dataset<Row> out = model.transform(files()).cache();
        Map<String, Row> ours = byId(out.where(col("error").isNull()));
        Map<String, Row> job = byId(SPARK.read().parquet(table.resolve("factors").toString()));
        assertEquals(job.keySet(), ours.keySet());
        assertEquals(((Row) job.values().iterator().next()).getAs(FactorFormat.LAYOUT), model.getLayout(),
                "the layout chosen on the sample");
        for (Map.Entry<String, Row> e : job.entrySet()) {
            Row expected = e.getValue();
            Row actual = ours.get(e.getKey());
            for (String c : COMPARED) {
                assertEquals((Object) expected.getAs(c), actual.getAs(c), c + " of " + e.getKey());
            }
            assertStagesEqual(expected.getList(expected.fieldIndex(FactorFormat.STAGES)),
                    actual.getList(actual.fieldIndex(FactorFormat.STAGES)), e.getKey());
        }

        Map<String, String> errors = out.where(col("error").isNotNull()).select(col("id"), col("error.step"))
                .collectAsList().stream().collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1)));
        Map<String, String> jobErrors = SPARK.read().parquet(table.resolve("errors").toString())
                .select(FactorFormat.ID, FactorFormat.ERROR_STEP).collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1)));
        // Spark's file sources leave out empty files: the stage never sees cat/empty.jpg, which compress reports.
        assertEquals("read", jobErrors.remove("cat/empty.jpg"));
        assertEquals(jobErrors, errors, "bad images are error values with the job's steps");
        assertEquals(broken.size() - 1, errors.size());
        assertEquals(files().count(), out.count(), "one output row per input");

        // Written as a table, it reads like the job's: the same counts, the same layout, images that rebuild.
        Path written = TestInputs.fresh("encoder-table").resolve("table");
        TableManifest manifest = model.writeTable(out, written.toString(), false);
        TableManifest jobManifest = ManifestFiles.readTable(table.toString(), new Configuration());
        assertEquals(jobManifest.counts().images(), manifest.counts().images());
        assertEquals(jobManifest.counts().failed() - 1, manifest.counts().failed(), "all but the empty file");
        assertEquals(jobManifest.stats().meanPsnrDb(), manifest.stats().meanPsnrDb(), 1e-9);
        assertEquals(jobManifest.compression().rankProfile().layout(), manifest.compression().rankProfile().layout());
        assertEquals(jobManifest.input().classes(), manifest.input().classes());
        assertEquals(ManifestFiles.readTable(written.toString(), new Configuration()).created(), manifest.created());
        assertEquals(job.size(), SPARK.read().format("mmps").load(written.toString()).count());
        try (FactorTableReader reader = FactorTableReader.open(written.toString(), new Configuration())) {
            FactorTableReader.Entry first = reader.next();
            assertEquals(first.shape().values(), reader.reconstruct(first).length);
        }
        ValidationException exists = assertThrows(ValidationException.class,
                () -> model.writeTable(out, written.toString(), false));
        assertTrue(exists.getMessage().contains("already exists"), exists.getMessage());

        // As Delta tables: the same rows, one commit each, the manifest in the factor table's commit.
        Path delta = TestInputs.fresh("encoder-delta").resolve("table");
        TableManifest deltaManifest = model.writeTable(out, delta.toString(), false, "delta");
        assertEquals(new TableManifest.Delta(0L, 0L), deltaManifest.delta());
        assertEquals("delta", deltaManifest.config().get("output-format.table"));
        assertEquals(manifest.counts(), ManifestFiles.readTable(delta.toString(), new Configuration()).counts());
        assertEquals(SPARK.read().format("mmps").option("decode", "none").load(written.toString()).select("id")
                .orderBy("id").collectAsList(), SPARK.read().format("delta").load(delta.resolve("factors").toString())
                .select("id").orderBy("id").collectAsList());
        ValidationException format = assertThrows(ValidationException.class,
                () -> model.writeTable(out, TestInputs.fresh("encoder-orc").toString() + "/t", false, "orc"));
        assertTrue(format.getMessage().contains("'orc'") && format.getMessage().contains("parquet or delta"),
                format.getMessage());
    }

    @Test
    void theStageReadsSparksImageDataSourceAndReportsWhatItCouldNotDecode() {
        Dataset<Row> images = SPARK.read().format("image").option("dropInvalid", false)
                .option("recursiveFileLookup", true).load(input.toString());
        // Spark's decoder reads what it can of the truncated JPEG, a photograph of another size: resized.
        MmpsEncoderModel model = new MmpsEncoder().setRoot(input.toString()).setStages(1).setRatio(0.5)
                .setSize("32x32").fit(images);
        Dataset<Row> out = model.transform(images).cache();
        assertEquals(images.count(), out.count());
        List<Row> ok = out.where(col("error").isNull()).collectAsList();
        assertTrue(ok.size() >= 40, "the 40 photographs and what Spark decodes of the broken files");
        for (Row r : ok) {
            assertEquals(r.getString(0).substring(0, r.getString(0).indexOf('/')), r.getAs(FactorFormat.CLASS_NAME));
            assertTrue((double) r.getAs(FactorFormat.PSNR_DB) > 20, "PSNR of " + r.getString(0));
            assertTrue((double) r.getAs(FactorFormat.RATIO) <= 0.5 + 1e-9);
        }
        List<Row> failed = out.where(col("error").isNotNull()).collectAsList();
        assertFalse(failed.isEmpty());
        for (Row r : failed) {
            assertNull(r.getAs(FactorFormat.STAGES));
            assertNotNull(r.getStruct(r.fieldIndex("error")).getString(1));
        }
    }

    @Test
    void badParametersAreRefusedWhenSetNamingTheValue() {
        MmpsEncoder encoder = new MmpsEncoder();
        ValidationException ratio = assertThrows(ValidationException.class, () -> encoder.setRatio(1.5));
        assertTrue(ratio.getMessage().contains("1.5"), ratio.getMessage());
        ValidationException stages = assertThrows(ValidationException.class, () -> encoder.setStages(0));
        assertTrue(stages.getMessage().contains("stages=0"), stages.getMessage());
        ValidationException codec = assertThrows(ValidationException.class, () -> encoder.setCodec("jpeg"));
        assertTrue(codec.getMessage().contains("jpeg"), codec.getMessage());
        ValidationException size = assertThrows(ValidationException.class, () -> encoder.setSize("big"));
        assertTrue(size.getMessage().contains("big"), size.getMessage());
        assertEquals(0.3, encoder.getRatio(), "reference.conf's default, unchanged by the refused values");
    }

    @Test
    void anInputColumnOfTheWrongTypeIsRefusedBeforeAnyWork() {
        Dataset<Row> files = files();
        ValidationException type = assertThrows(ValidationException.class,
                () -> new MmpsEncoder().setInputCol("path").fit(files));
        assertTrue(type.getMessage().contains("'path' is of type string"), type.getMessage());
        ValidationException missing = assertThrows(ValidationException.class, () -> new MmpsEncoder().fit(files));
        assertTrue(missing.getMessage().contains("'image' is not among the columns"), missing.getMessage());
        ValidationException label = assertThrows(ValidationException.class,
                () -> new MmpsEncoder().setInputCol("content").setLabelCol("path").fit(files));
        assertTrue(label.getMessage().contains("label column 'path' is of type string"), label.getMessage());
    }

    private static Map<String, Row> byId(Dataset<Row> rows) {
        return rows.collectAsList().stream().collect(Collectors.toMap(r -> r.getAs(FactorFormat.ID), r -> r));
    }

    private static void assertStagesEqual(List<Row> expected, List<Row> actual, String id) {
        assertEquals(expected.size(), actual.size(), "stages of " + id);
        for (int s = 0; s < expected.size(); s++) {
            assertEquals(expected.get(s).getList(0), actual.get(s).getList(0), "ranks of " + id);
            List<byte[]> want = expected.get(s).getList(1);
            List<byte[]> got = actual.get(s).getList(1);
            assertEquals(want.size(), got.size());
            for (int k = 0; k < want.size(); k++) {
                assertArrayEquals(want.get(k), got.get(k), "core " + k + " of stage " + s + " of " + id);
            }
        }
    }
}
