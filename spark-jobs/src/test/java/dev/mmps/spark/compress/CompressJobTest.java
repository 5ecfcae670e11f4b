package dev.mmps.spark.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.images.DecodedImage;
import dev.mmps.images.Preprocess;
import dev.mmps.settings.ValidationException;
import dev.mmps.spark.SparkTestSession;
import dev.mmps.spark.TestInputs;
import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.spark.config.JobConfig;
import dev.mmps.table.FactorTableReader;
import dev.mmps.table.TableManifest;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.codec.MmpsFactors;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.metrics.Quality;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The compress job on a real local[2] SparkSession, real images and real Parquet. */
class CompressJobTest {

    private static final List<String> CIFAR_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");

    private final SparkSession spark = SparkTestSession.get();

    private TableManifest run(Path input, Path output, Map<String, Object> extra) {
        return TestJobs.compress(input, output, extra);
    }

    @Test
    void everyInputEndsAsAFactorRowOrAnErrorRow() throws Exception {
        Path input = TestInputs.fresh("cifar-broken");
        TestInputs.copyCifar(input, 3);
        List<String> broken = TestInputs.writeBroken(input.resolve("cat"));
        Path output = TestInputs.fresh("cifar-broken-out").resolve("table");
        TableManifest manifest = run(input, output, Map.of("compression.max-bond", 6,
                "compression.calibration-images", 0));

        TableManifest.Counts counts = manifest.counts();
        assertEquals(35L, counts.inputs());
        assertEquals(30L, counts.images());
        assertEquals(5L, counts.failed());

        Dataset<Row> factors = spark.read().parquet(output.resolve("factors").toString());
        Dataset<Row> errors = spark.read().parquet(output.resolve("errors").toString());
        assertEquals(30, factors.count());
        assertEquals(30, factors.select("id").distinct().count());
        for (Row r : factors.select("id", "label", "class_name").collectAsList()) {
            String folder = r.getString(0).substring(0, r.getString(0).indexOf('/'));
            assertEquals(folder, r.getString(2));
            assertEquals(CIFAR_CLASSES.indexOf(folder), r.getInt(1), "label of " + r.getString(0));
        }
        Map<String, Row> errorsById = new HashMap<>();
        for (Row r : errors.collectAsList()) {
            errorsById.put(r.getAs("id"), r);
        }
        assertEquals(new HashSet<>(broken.stream().map(b -> "cat/" + b).toList()), errorsById.keySet());
        assertError(errorsById.get("cat/empty.jpg"), "read", "empty");
        assertError(errorsById.get("cat/truncated.jpg"), "decode", "damaged JPEG");
        assertError(errorsById.get("cat/notes.jpg"), "decode", "not a recognised image format");
        assertError(errorsById.get("cat/noise.png"), "decode", "");
        assertError(errorsById.get("cat/bomb.png"), "decode", "100000x100000");
        for (Row r : errorsById.values()) {
            assertEquals(CIFAR_CLASSES.indexOf("cat"), (int) r.getAs("label"));
        }
    }

    private static void assertError(Row row, String step, String reason) {
        assertNotNull(row);
        assertEquals(step, row.getAs("step"), "step of " + row.getAs("id"));
        assertTrue(((String) row.getAs("reason")).contains(reason), row.getAs("id") + ": " + row.getAs("reason"));
    }

    @Test
    void parquetRowsRebuildExactlyWhatTheCodecBuildsInMemory() throws Exception {
        Path input = TestInputs.fresh("cifar-roundtrip");
        TestInputs.copyCifar(input, 2);
        Path output = TestInputs.fresh("cifar-roundtrip-out").resolve("table");
        run(input, output, Map.of("compression.max-bond", 5, "compression.calibration-images", 0));

        JobConfig config = ConfigLoader.load(null, Map.of("input", input.toString(), "output", "unused",
                "compression.max-bond", 5));
        MmpsCodec codec = new MmpsCodec(config.compression().spec(), LowRankFactorizers.create("auto"));
        Preprocess preprocess = config.ingest().preprocess();
        int checked = 0;
        try (FactorTableReader reader = FactorTableReader.open(output.toString(), new Configuration())) {
            while (reader.hasNext()) {
                FactorTableReader.Entry e = reader.next();
                DecodedImage image = preprocess.apply(Files.readAllBytes(input.resolve(e.id())));
                var inMemory = codec.compress(image.pixels(), image.shape());
                assertEquals(inMemory.factors().stages(), ((MmpsFactors) e.factors()).stages(), "factors of " + e.id());
                assertArrayEquals(inMemory.factors().reconstruct(), e.reconstruct(), "pixels of " + e.id());
                assertEquals(inMemory.stats().psnrDb(), e.psnrDb(), 0.0);
                checked++;
            }
        }
        assertEquals(20, checked);
    }

    @Test
    void hostileInputsEndAsFactorRowsOrErrorRowsAndNothingIsReadTwice() throws Exception {
        Path input = TestInputs.fresh("hostile");
        TestInputs.copyCifar(input, 1);
        TestInputs.Hostile hostile = TestInputs.writeHostile(input);
        Path output = TestInputs.fresh("hostile-out").resolve("table");

        TableManifest manifest = run(input, output, Map.of("compression.ratio", 0.3));

        TableManifest.Counts counts = manifest.counts();
        int images = 10 + hostile.images().size();
        assertEquals((long) images + hostile.errors().size(), counts.inputs(), counts.toString());
        assertEquals((long) images, counts.images(), counts.toString());
        Dataset<Row> factors = spark.read().parquet(output.resolve("factors").toString());
        Map<String, Integer> channels = new HashMap<>();
        for (Row r : factors.select("id", "channels").collectAsList()) {
            assertNull(channels.put(r.getString(0), r.getInt(1)), "one row per image: " + r.getString(0));
        }
        for (String id : hostile.images()) {
            assertTrue(channels.containsKey(id), id + " has no factor row; rows: " + channels.keySet());
        }
        assertEquals(3, channels.get("cat/alpha.png"), "alpha is dropped");
        assertEquals(1, channels.get("cat/sixteen.png"), "16-bit grayscale stays one channel");
        assertEquals(3, channels.get("cat/cmyk.jpg"), "CMYK becomes RGB");
        Map<String, String> reasons = new HashMap<>();
        for (Row r : spark.read().parquet(output.resolve("errors").toString()).collectAsList()) {
            reasons.put(r.getAs("id"), r.getAs("reason"));
        }
        assertEquals(Set.copyOf(hostile.errors()), reasons.keySet());
        assertTrue(reasons.get("cat/loop").contains("not followed"), reasons.get("cat/loop"));
        assertTrue(reasons.get("dog/cats-again").contains("not followed"), reasons.get("dog/cats-again"));
        assertTrue(reasons.get("dog/nowhere.jpg").contains("leads nowhere"), reasons.get("dog/nowhere.jpg"));
        assertTrue(reasons.get("dog/pipe.jpg").contains("not a regular file"), reasons.get("dog/pipe.jpg"));
        assertTrue(reasons.get("broken/bomb.png").contains("ingest.max-pixels"), reasons.get("broken/bomb.png"));
        assertTrue(reasons.get("broken/deep.png").contains("heap"), reasons.get("broken/deep.png"));
    }

    /** Stored PSNR against one measured again from the rows and the source images, in dB. */
    private static final double PSNR_TOLERANCE_DB = 1e-3;
    /**
     * Pixels on the [0, 1] scale from the reader's single-precision native rebuild against the entry's own
     * double-precision one: a few hundred float32 roundings apart.
     */
    private static final float REBUILD_TOLERANCE = 1e-5f;

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} {1}")
    @org.junit.jupiter.params.provider.CsvSource({"mps,fp32", "svd,fp32", "cp,fp16", "tucker,int8", "mmps,int8-core"})
    void everyCodecAndPrecisionWritesRowsThatRebuildToTheirStatistics(String codec, String precision) throws Exception {
        Path input = TestInputs.fresh("codec-" + codec);
        TestInputs.copyCifar(input, 1);
        Path output = TestInputs.fresh("codec-" + codec + "-out").resolve("table");
        run(input, output, Map.of("compression.codec", codec, "compression.precision", precision,
                "compression.ratio", 0.3, "compression.cp.max-sweeps", 20));

        Preprocess preprocess = new Preprocess(0, 0, dev.mmps.images.ChannelMode.AUTO, 100_000_000L);
        String dtype = dev.mmps.table.Precision.parse(precision).dtype();
        int rows = 0;
        try (FactorTableReader reader = FactorTableReader.open(output.toString(), new Configuration())) {
            while (reader.hasNext()) {
                FactorTableReader.Entry e = reader.next();
                assertEquals(codec, e.codec());
                assertEquals(dtype, e.dtype());
                assertTrue(e.ratio() <= 0.3 && e.ratio() > 0.2, e.id() + " ratio " + e.ratio());
                float[] original = preprocess.apply(Files.readAllBytes(input.resolve(e.id()))).pixels();
                float[] rebuilt = reader.reconstruct(e);
                assertArrayEquals(e.reconstruct(), rebuilt, REBUILD_TOLERANCE, e.id());
                double psnr = Quality.psnrDb(Quality.squaredError(original, rebuilt, rebuilt.length), rebuilt.length);
                assertEquals(e.psnrDb(), psnr, PSNR_TOLERANCE_DB, e.id());
                assertTrue(psnr > 20, e.id() + " " + psnr);
                rows++;
            }
        }
        assertEquals(10, rows);
    }

    @Test
    void baselinesRefuseWhatOnlyTensorTrainsDo() {
        Path input = TestInputs.fresh("codec-refusals");
        var bond = assertThrows(ValidationException.class, () -> ConfigLoader.load(null, Map.of("input",
                input.toString(), "output", "x", "compression.codec", "svd", "compression.max-bond", 4)));
        assertTrue(bond.getMessage().contains("codec svd takes --ratio"), bond.getMessage());
        var stages = assertThrows(ValidationException.class, () -> ConfigLoader.load(null, Map.of("input",
                input.toString(), "output", "x", "compression.codec", "mps", "compression.stages", 2)));
        assertTrue(stages.getMessage().contains("--codec mmps --stages 2"), stages.getMessage());
        var tooSmall = assertThrows(ValidationException.class, () -> {
            TestInputs.copyCifar(input, 1);
            run(input, TestInputs.fresh("codec-refusals-out").resolve("t"), Map.of("compression.codec", "svd",
                    "compression.ratio", 0.02));
        });
        assertTrue(tooSmall.getMessage().contains("the smallest is 0.0625"), tooSmall.getMessage());
    }

    @Test
    void ratioTargetIsCalibratedAndMet() throws Exception {
        Path input = TestInputs.fresh("cifar-ratio");
        TestInputs.copyCifar(input, 4);
        Path output = TestInputs.fresh("cifar-ratio-out").resolve("table");
        TableManifest manifest = run(input, output, Map.of("compression.ratio", 0.3,
                "compression.calibration-images", 12));
        assertNotNull(manifest.compression().rankProfile());
        Dataset<Row> factors = spark.read().parquet(output.resolve("factors").toString());
        for (Row r : factors.select("ratio", "psnr_db").collectAsList()) {
            assertTrue(r.getDouble(0) <= 0.3 && r.getDouble(0) > 0.25, "ratio " + r.getDouble(0));
            assertTrue(r.getDouble(1) > 20 && Double.isFinite(r.getDouble(1)), "PSNR " + r.getDouble(1));
        }
        assertTrue(manifest.stats().meanRatio() >= 0.29 * 0.99);
    }

    /**
     * The automatic layout is chosen among the candidates on the sample and recorded with their scores; the
     * rows use it. A forced order is used as given, and nothing is searched.
     */
    @Test
    void theAutomaticLayoutIsChosenOnTheSampleAndAForcedOneIsKept() throws Exception {
        Path input = TestInputs.fresh("cifar-layout");
        TestInputs.copyCifar(input, 1);
        Path autoOut = TestInputs.fresh("cifar-layout-auto").resolve("table");
        TableManifest auto = run(input, autoOut, Map.of("compression.ratio", 0.3, "compression.calibration-images", 6));
        TableManifest.LayoutSearchEntry search = auto.compression().layoutSearch();
        assertEquals("auto", auto.compression().layoutRequest());
        assertEquals(6, search.images());
        assertTrue(search.candidates().stream().anyMatch(c -> c.layout().equals(search.chosen())), search.toString());
        double best = search.candidates().stream().mapToDouble(TableManifest.Candidate::meanSquaredError).min()
                .orElseThrow();
        assertEquals(best, search.candidates().stream().filter(c -> c.layout().equals(search.chosen())).findFirst()
                .orElseThrow().meanSquaredError(), "the chosen layout has the least error on the sample");
        assertEquals(search.chosen(), auto.compression().rankProfile().layout());
        for (Row r : spark.read().parquet(autoOut.resolve("factors").toString()).select("layout").collectAsList()) {
            assertEquals(search.chosen(), r.getString(0));
        }

        Path forcedOut = TestInputs.fresh("cifar-layout-row").resolve("table");
        TableManifest forced = run(input, forcedOut, Map.of("compression.ratio", 0.3,
                "compression.calibration-images", 6, "compression.order", "row"));
        assertNull(forced.compression().layoutSearch());
        assertEquals("auto(order=row, cores=5, channels=last)", forced.compression().layoutRequest());
        for (Row r : spark.read().parquet(forcedOut.resolve("factors").toString()).select("layout", "index_order")
                .collectAsList()) {
            assertEquals("row", r.getString(1), r.getString(0));
        }
    }

    @Test
    void photographsAreResizedAndGrayscaleStaysOneChannel() throws Exception {
        Path input = TestInputs.fresh("imagenet");
        TestInputs.copyImagenet(input);
        Path output = TestInputs.fresh("imagenet-out").resolve("table");
        run(input, output, Map.of("ingest.size", "224x224", "compression.calibration-images", 4));
        Dataset<Row> factors = spark.read().parquet(output.resolve("factors").toString());
        List<Row> rows = factors.select("id", "height", "width", "channels").collectAsList();
        assertEquals(8, rows.size());
        Set<String> ids = new HashSet<>();
        int gray = 0;
        for (Row r : rows) {
            ids.add(r.getString(0));
            assertEquals(224, r.getInt(1));
            assertEquals(224, r.getInt(2));
            gray += r.getInt(3) == 1 ? 1 : 0;
        }
        assertEquals(2, gray, "the two grayscale photographs keep one channel");
        assertTrue(ids.contains("n03590841/n03590841_jack-o'-lantern.JPEG"), ids.toString());
    }

    @Test
    void mixedSizesWithoutATargetSizeAreRefusedBeforeCompressing() throws Exception {
        Path input = TestInputs.fresh("imagenet-mixed");
        TestInputs.copyImagenet(input);
        Path output = TestInputs.fresh("imagenet-mixed-out").resolve("table");
        ValidationException e = assertThrows(ValidationException.class,
                () -> run(input, output, Map.of("compression.calibration-images", 8)));
        assertTrue(e.getMessage().contains("different sizes") && e.getMessage().contains("--size"), e.getMessage());
        assertFalse(Files.exists(output), "nothing is written");
    }

    @Test
    void idxFilesAreReadInRanges() throws Exception {
        Path input = TestInputs.fresh("idx");
        TestInputs.writeIdx(input, "train", 120, 28, 28);
        Path output = TestInputs.fresh("idx-out").resolve("table");
        run(input, output, Map.of("compression.ratio", 0.5, "compression.calibration-images", 10,
                "spark.partitions", 3));
        Dataset<Row> factors = spark.read().parquet(output.resolve("factors").toString());
        assertEquals(120, factors.count());
        Row r = factors.filter("id = 'train-images-idx3-ubyte.gz#00037'").first();
        assertEquals(7, (int) r.getAs("label"));
        assertEquals(28, (int) r.getAs("height"));
        assertEquals(1, (int) r.getAs("channels"));
        assertEquals(0, spark.read().parquet(output.resolve("errors").toString()).count());
    }

    /** IDX images are preprocessed as decoded files are: resized, and given three channels when asked. */
    @Test
    void idxImagesTakeTheSizeAndChannelsAsked() throws Exception {
        Path input = TestInputs.fresh("idx-rgb");
        TestInputs.writeIdx(input, "train", 12, 28, 28);
        Path output = TestInputs.fresh("idx-rgb-out").resolve("table");
        run(input, output, Map.of("ingest.size", "32x32", "ingest.channels", "rgb", "compression.max-bond", 4,
                "compression.calibration-images", 0));
        Dataset<Row> factors = spark.read().parquet(output.resolve("factors").toString());
        assertEquals(12, factors.count());
        for (Row r : factors.select("height", "width", "channels").collectAsList()) {
            assertEquals(List.of(32, 32, 3), List.of(r.getInt(0), r.getInt(1), r.getInt(2)));
        }
    }

    @Test
    void anExistingOutputIsReplacedOnlyWhenAsked() throws Exception {
        Path input = TestInputs.fresh("cifar-overwrite");
        TestInputs.copyCifar(input, 1);
        Path output = TestInputs.fresh("cifar-overwrite-out").resolve("table");
        Files.createDirectories(output);
        Files.writeString(output.resolve("keep.txt"), "precious");
        ValidationException e = assertThrows(ValidationException.class,
                () -> run(input, output, Map.of("compression.max-bond", 3)));
        assertTrue(e.getMessage().contains("already exists") && e.getMessage().contains("--overwrite"));
        assertTrue(Files.exists(output.resolve("keep.txt")), "nothing is lost");
        Path delta = TestInputs.fresh("cifar-overwrite-delta").resolve("table");
        Files.createDirectories(delta.resolve("_delta_log"));
        Files.writeString(delta.resolve("_delta_log").resolve("00000000000000000000.json"), "{}\n");
        ValidationException other = assertThrows(ValidationException.class,
                () -> run(input, delta, Map.of("compression.max-bond", 3, "overwrite", true)));
        assertTrue(other.getMessage().contains("Delta table") && other.getMessage().contains("even with --overwrite"),
                other.getMessage());
        assertTrue(Files.exists(delta.resolve("_delta_log").resolve("00000000000000000000.json")), "nothing is lost");
        run(input, output, Map.of("compression.max-bond", 3, "overwrite", true));
        assertFalse(Files.exists(output.resolve("keep.txt")));
        assertTrue(Files.exists(output.resolve("manifest.json")));
        try (var siblings = Files.list(output.getParent())) {
            assertEquals(List.of("table"), siblings.map(p -> p.getFileName().toString()).toList(),
                    "no staging or replaced folders are left behind");
        }
    }
}
