package dev.mmps.spark.compress;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.mmps.spark.config.JobConfig;
import dev.mmps.spark.ingest.InputScan;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.spark.sink.Manifest;
import dev.mmps.spark.sink.OutputFolder;
import dev.mmps.spark.table.FactorFormat;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.RankProfile;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compress job: scan the input, calibrate on a sample, compress every image on the executors,
 * write the factor and error tables and the manifest, and commit the output folder in one rename.
 *
 * <p>Only small things travel to the driver: the file count, the calibration sample (a few dozen
 * images), and aggregates. Each image is decoded and compressed once, inside
 * {@code mapPartitions}; the outcomes are persisted so the two tables and the statistics are
 * written from the same rows.
 */
public final class CompressJob {

    private static final Logger LOG = LoggerFactory.getLogger(CompressJob.class);

    /** Images per task at most: keeps progress lines frequent and tasks short. */
    private static final int IMAGES_PER_TASK = 2000;

    private final SparkSession spark;
    private final JobConfig config;

    public CompressJob(SparkSession spark, JobConfig config) {
        this.spark = spark;
        this.config = config;
    }

    /** Runs the job and returns its manifest. */
    public Map<String, Object> run() {
        long start = System.nanoTime();
        var hadoopConf = spark.sparkContext().hadoopConfiguration();
        OutputFolder output = OutputFolder.prepare(config.output(), config.overwrite(), hadoopConf);
        InputScan scan = InputScan.of(spark, config);
        LOG.info("Input {}: {} file(s), {} bytes, {} (listed in {} s)", scan.rootUri(), scan.files(), scan.bytes(),
                scan.describe(), seconds(start));
        long t0 = System.nanoTime();
        List<InputScan.Sample> sample = scan.sample(config.compression().calibrationImages());
        LOG.info("Decoded a sample of {} image(s) in {} s", sample.size(), seconds(t0));
        ImageShape expectedSize = config.ingest().preprocess().resizes() ? null : scan.commonSize(sample);
        CompressionSpec spec = config.compression().spec();
        RankProfile profile = calibrate(spec, sample);
        if (profile != null) {
            Truncation.TargetRatio target = (Truncation.TargetRatio) spec.truncation();
            spec = new CompressionSpec(spec.layout(), new Truncation.TargetRatio(target.ratio(), profile),
                    spec.stages());
        }
        StageSettings settings = new StageSettings(spec, config.compression().route(), config.ingest().preprocess(),
                scan.rootUri(), scan.classIndex(), expectedSize);
        Broadcast<StageSettings> broadcast = spark.sparkContext().broadcast(settings,
                scala.reflect.ClassTag$.MODULE$.apply(StageSettings.class));
        LongAccumulator done = spark.sparkContext().longAccumulator("images");

        int partitions = config.spark().partitions() > 0 ? config.spark().partitions()
                : Math.max(4 * spark.sparkContext().defaultParallelism(),
                        (int) Math.ceil((double) scan.files() / IMAGES_PER_TASK));
        Dataset<Row> outcomes = scan.isIdx()
                ? scan.idxRanges(partitions).flatMap(new IdxStage(broadcast, spark.sparkContext().broadcast(
                        new SerializableConfiguration(hadoopConf),
                        scala.reflect.ClassTag$.MODULE$.apply(SerializableConfiguration.class)), done),
                        Encoders.row(FactorRows.OUTCOME))
                : scan.imageFiles(partitions).mapPartitions(new ImageFilesStage(broadcast, done),
                        Encoders.row(FactorRows.OUTCOME));
        List<Row> empty = scan.emptyFiles().stream().map(f -> ImageFilesStage.emptyFileRow(settings, f)).toList();
        if (!empty.isEmpty()) {
            outcomes = outcomes.union(spark.createDataFrame(empty, FactorRows.OUTCOME));
        }
        outcomes = outcomes.persist(StorageLevel.MEMORY_AND_DISK_SER());

        long total = scan.isIdx() ? scan.idxImages() : scan.files();
        try (Progress progress = Progress.start(done, total, config.progressSeconds())) {
            long t = System.nanoTime();
            write(outcomes.filter(col(FactorRows.STATUS).equalTo(FactorRows.STATUS_FACTOR)), FactorRows.FACTORS,
                    output.staged(OutputFolder.FACTORS));
            progress.finish();
            LOG.info("Compressed and wrote the factor table in {} s", seconds(t));
            t = System.nanoTime();
            write(outcomes.filter(col(FactorRows.STATUS).equalTo(FactorRows.STATUS_ERROR)), FactorRows.ERRORS,
                    output.staged(OutputFolder.ERRORS));
            LOG.info("Wrote the error table in {} s", seconds(t));
            t = System.nanoTime();
            Map<String, Object> manifest = manifest(scan, outcomes, output, spec, profile, start);
            LOG.info("Computed the statistics in {} s", seconds(t));
            output.writeStaged(OutputFolder.MANIFEST, Manifest.toJson(manifest));
            output.commit();
            return manifest;
        } catch (IOException e) {
            output.abandon();
            throw new UncheckedIOException("writing " + config.output() + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            output.abandon();
            throw e;
        } finally {
            outcomes.unpersist();
        }
    }

    private static String seconds(long since) {
        return String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - since) / 1e9);
    }

    /** The calibrated profile for the sample's most common shape, or null when not calibrating. */
    private RankProfile calibrate(CompressionSpec spec, List<InputScan.Sample> sample) {
        if (!config.compression().calibrates() || sample.isEmpty()) {
            return null;
        }
        ImageShape shape = InputScan.mostCommonShape(sample);
        List<float[]> pixels = sample.stream().filter(s -> s.image().shape().equals(shape))
                .map(s -> s.image().pixels()).toList();
        TensorLayout layout = spec.layout().resolve(shape);
        double ratio = ((Truncation.TargetRatio) spec.truncation()).ratio();
        long t = System.nanoTime();
        try (var factorizer = (AutoCloseable) LowRankFactorizers.create(config.compression().route())) {
            spec.truncation().policies(layout, spec.stages());
            RankProfile profile = RankProfile.calibrate(pixels, layout, spec.stages(), ratio,
                    (dev.mmps.tensor.linalg.LowRankFactorizer) factorizer);
            LOG.info("Calibrated the rank profile on {} image(s) of {} in {} ms: {}", pixels.size(), shape,
                    (System.nanoTime() - t) / 1_000_000, profile);
            return profile;
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("calibration failed: " + e.getMessage(), e);
        }
    }

    private void write(Dataset<Row> rows, org.apache.spark.sql.types.StructType schema, String path) {
        Column[] columns = new Column[schema.fields().length];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = col(schema.fields()[i].name());
        }
        rows.select(columns).write()
                .option("compression", "zstd")
                .option("parquet.block.size", (long) config.rowGroupMb() << 20)
                // Core blobs never repeat: a dictionary for them is wasted hashing.
                .option("parquet.enable.dictionary#" + FactorFormat.STAGES + ".list.element." + FactorFormat.CORES
                        + ".list.element", "false")
                .parquet(path);
    }

    private Map<String, Object> manifest(InputScan scan, Dataset<Row> outcomes, OutputFolder output,
            CompressionSpec spec, RankProfile profile, long start) throws IOException {
        Column isFactor = col(FactorRows.STATUS).equalTo(FactorRows.STATUS_FACTOR);
        Column finitePsnr = when(isFactor.and(col(FactorFormat.PSNR_DB).lt(Double.POSITIVE_INFINITY)),
                col(FactorFormat.PSNR_DB));
        Row totals = outcomes.agg(
                count(lit(1)),
                sum(when(isFactor, 1).otherwise(0)),
                sum(col(FactorFormat.SOURCE_BYTES)),
                sum(when(isFactor, col(FactorFormat.PARAMETERS)).otherwise(0L)),
                avg(when(isFactor, col(FactorFormat.RATIO))),
                avg(finitePsnr),
                sum(when(isFactor.and(col(FactorFormat.PSNR_DB).equalTo(Double.POSITIVE_INFINITY)), 1).otherwise(0)),
                percentile_approx(finitePsnr, lit(new double[] {0.05, 0.5, 0.95}), lit(10000)),
                percentile_approx(when(isFactor, col(FactorFormat.RATIO)), lit(new double[] {0.05, 0.5, 0.95}),
                        lit(10000)))
                .first();
        long inputs = totals.getLong(0);
        long images = totals.isNullAt(1) ? 0 : totals.getLong(1);
        double seconds = (System.nanoTime() - start) / 1e9;

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema_version", FactorFormat.SCHEMA_VERSION);
        m.put("mmps_version", Manifest.version());
        m.put("created", java.time.Instant.now().toString());
        m.put("config", config.describe());
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("root", scan.rootUri());
        input.put("kind", scan.isIdx() ? "idx" : "image-folders");
        input.put("classes", scan.classNames());
        m.put("input", input);
        Map<String, Object> compression = new LinkedHashMap<>();
        compression.put("route", config.compression().route());
        compression.put("stages", spec.stages());
        compression.put("layout_request", spec.layout().toString());
        compression.put("rank_profile", profile == null ? null : Manifest.describe(profile));
        m.put("compression", compression);
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("inputs", inputs);
        counts.put("images", images);
        counts.put("failed", inputs - images);
        m.put("counts", counts);
        Map<String, Object> totalsMap = new LinkedHashMap<>();
        totalsMap.put("input_bytes", totals.isNullAt(2) ? 0L : totals.getLong(2));
        totalsMap.put("stored_bytes", output.stagedBytes(OutputFolder.FACTORS));
        totalsMap.put("error_table_bytes", output.stagedBytes(OutputFolder.ERRORS));
        totalsMap.put("stored_values", totals.isNullAt(3) ? 0L : totals.getLong(3));
        m.put("totals", totalsMap);
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("mean_ratio", totals.isNullAt(4) ? null : totals.getDouble(4));
        stats.put("mean_psnr_db", totals.isNullAt(5) ? null : totals.getDouble(5));
        stats.put("exact_images", totals.isNullAt(6) ? 0L : totals.getLong(6));
        stats.put("psnr_db_percentiles", Manifest.percentiles(totals.isNullAt(7) ? null : totals.getList(7)));
        stats.put("ratio_percentiles", Manifest.percentiles(totals.isNullAt(8) ? null : totals.getList(8)));
        m.put("stats", stats);
        Map<String, Object> timing = new LinkedHashMap<>();
        timing.put("seconds", Math.round(seconds * 1000) / 1000.0);
        timing.put("images_per_second", Math.round(inputs / Math.max(seconds, 1e-9) * 10) / 10.0);
        m.put("timing", timing);
        return m;
    }
}
