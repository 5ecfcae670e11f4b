package dev.mmps.spark.compress;

import dev.mmps.spark.config.JobConfig;
import dev.mmps.spark.ingest.InputScan;
import dev.mmps.spark.ingest.Printable;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.spark.sink.Manifest;
import dev.mmps.spark.sink.OutputFolder;
import dev.mmps.table.FactorFormat;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.RankProfile;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.tt.TtSvd;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compress job: scan the input, calibrate on a sample, compress every image on the executors,
 * write the factor and error tables and the manifest, and commit the output folder in one rename.
 *
 * <p>Only small things travel to the driver: the listing's counts, the calibration sample (a few
 * dozen images), the statistics and the error rows. Each image is decoded and compressed once,
 * inside {@code mapPartitions}, in the same pass that writes the factor table; statistics and
 * error rows come back through accumulators, so nothing is cached or computed twice.
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
        return OutputFolder.prepare(config.output(), config.overwrite() || config.incremental(),
                spark.sparkContext().hadoopConfiguration()).run(output -> run(output, start));
    }

    /** What every task needs, and the rank profile the plan came from (for the manifest). */
    private record Plan(StageSettings settings, RankProfile profile) {}

    private Map<String, Object> run(OutputFolder output, long start) throws IOException {
        IncrementalRun previous = config.incremental() ? IncrementalRun.open(spark, config, output) : null;
        InputScan scan = InputScan.of(spark, config, output.stagedPath(OutputFolder.LISTING));
        LOG.info("Input {}: {} file(s), {} bytes, {} (listed in {} s)", Printable.of(scan.rootUri()), scan.files(),
                scan.bytes(), scan.describe(), seconds(start));
        Dataset<Row> todo = null;
        if (previous != null) {
            previous.checkRoot(scan.rootUri());
            todo = previous.plan(scan.listedFiles(), scan.files() - scan.issues().size());
            String rootPath = StageSettings.rootPath(scan.rootUri());
            Set<String> issueIds = new HashSet<>();
            scan.issues().forEach(issue -> issueIds.add(FactorRows.Origin.relativeId(rootPath, issue.uri())));
            if (previous.upToDate(issueIds)) {
                previous.release();
                output.abandon();
                return upToDate(previous, start);
            }
        }
        Plan plan = plan(scan, previous);
        StageSettings settings = plan.settings();
        CompressionSpec spec = settings.spec();
        RankProfile profile = plan.profile();
        Broadcast<StageSettings> broadcast = spark.sparkContext().broadcast(settings,
                scala.reflect.ClassTag$.MODULE$.apply(StageSettings.class));
        Broadcast<SerializableConfiguration> hadoop = spark.sparkContext().broadcast(
                new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()),
                scala.reflect.ClassTag$.MODULE$.apply(SerializableConfiguration.class));
        Accumulators accumulators = Accumulators.register(spark.sparkContext());
        scan.issues().forEach(issue -> ImageFilesStage.report(settings, issue, accumulators));

        long inputs = scan.files();
        Dataset<Row> factors;
        if (previous == null) {
            int partitions = partitions(inputs);
            factors = scan.isIdx()
                    ? scan.idxRanges(partitions).flatMap(new IdxStage(broadcast, hadoop, accumulators),
                            Encoders.row(FactorRows.FACTORS))
                    : scan.imageFiles(partitions).mapPartitions(new ImageFilesStage(broadcast, hadoop, accumulators),
                            Encoders.row(FactorRows.FACTORS));
        } else {
            inputs = previous.todoCount() + scan.issues().size();
            factors = todo.repartition(partitions(previous.todoCount()))
                    .mapPartitions(new ImageFilesStage(broadcast, hadoop, accumulators), Encoders.row(FactorRows.FACTORS));
        }

        try (Progress progress = Progress.start("compress", accumulators.done(), inputs, config.progressSeconds())) {
            long t = System.nanoTime();
            write(factors, output.staged(OutputFolder.FACTORS), false);
            progress.finish();
            LOG.info("Compressed and wrote the factor table in {} s", seconds(t));
        }
        Tally tally = accumulators.tally();
        if (tally.images() + tally.failed() != inputs) {
            throw new IllegalStateException(inputs + " inputs were listed but " + tally.images()
                    + " factor rows and " + tally.failed() + " error rows were produced; the output is not committed");
        }
        long processed = inputs;
        List<Row> errors = new ArrayList<>(accumulators.errors().value());
        if (previous != null) {
            Dataset<Row> kept = previous.carry(output);
            if (kept != null) {
                write(kept, output.staged(OutputFolder.FACTORS), true);
            }
            previous.release();
            errors.addAll(previous.carriedErrors());
            inputs = scan.files() + previous.keptRemoved();
        }
        errors.sort(Comparator.comparing(r -> r.getString(0)));
        write(spark.createDataFrame(errors, FactorRows.ERRORS).coalesce(1), output.staged(OutputFolder.ERRORS), false);
        output.deleteStaged(OutputFolder.LISTING);
        if (previous != null) {
            tally = previous.tally(output.staged(OutputFolder.FACTORS), errors);
        }
        Map<String, Object> manifest = manifest(scan, inputs, processed, tally, errors, output, spec, profile, start);
        if (previous != null) {
            manifest.put("incremental", previous.describe());
        }
        output.writeStaged(OutputFolder.MANIFEST, Manifest.toJson(manifest));
        output.commit();
        return manifest;
    }

    /**
     * Decodes the sample, fixes the image size when images are not resized, and plans the
     * compression: the calibrated rank profile (or the one an incremental run's table was made
     * with), checked against what the codec can reach.
     */
    private Plan plan(InputScan scan, IncrementalRun previous) {
        long t0 = System.nanoTime();
        List<InputScan.Sample> sample = scan.sample(config.compression().calibrationImages());
        LOG.info("Decoded a sample of {} image(s) in {} s", sample.size(), seconds(t0));
        ImageShape expectedSize = config.ingest().preprocess().resizes() ? null : scan.commonSize(sample);
        CompressionSpec spec = config.compression().spec();
        RankProfile kept = previous == null || !config.compression().calibrates() ? null : previous.rankProfile();
        if (previous != null && config.compression().calibrates() && kept == null) {
            LOG.warn("The table's manifest does not keep its rank profile (an older mmps wrote it): calibrating "
                    + "again, so new rows may be planned a little differently from the old ones");
        }
        RankProfile profile = kept != null ? kept : calibrate(spec, sample);
        if (profile != null) {
            Truncation.TargetRatio target = (Truncation.TargetRatio) spec.truncation();
            spec = new CompressionSpec(spec.layout(), new Truncation.TargetRatio(target.ratio(), profile),
                    spec.stages());
        }
        checkBaselineReach(spec, sample);
        return new Plan(new StageSettings(spec, config.compression().codec(), config.compression().precision(),
                config.compression().route(), config.ingest().preprocess(), config.ingest().maxFileBytes(),
                scan.rootUri(), scan.classIndex(), expectedSize), profile);
    }

    /** Partitions for {@code inputs} images: about four per core, at most a few thousand images each. */
    private int partitions(long inputs) {
        return config.spark().partitions() > 0 ? config.spark().partitions()
                : (int) Math.max(4L * spark.sparkContext().defaultParallelism(),
                        (long) Math.ceil((double) inputs / IMAGES_PER_TASK));
    }

    /** The existing manifest with what this run found, for a run that changed nothing. */
    private Map<String, Object> upToDate(IncrementalRun previous, long start) {
        Map<String, Object> manifest = Manifest.toMap(previous.previousManifest());
        Map<String, Object> incremental = previous.describe();
        incremental.put("up_to_date", true);
        incremental.put("seconds", Math.round((System.nanoTime() - start) / 1e6) / 1000.0);
        manifest.put("incremental", incremental);
        LOG.info("{} is up to date: nothing written", Printable.of(config.output()));
        return manifest;
    }

    private static String seconds(long since) {
        return String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - since) / 1e9);
    }

    /**
     * A baseline codec's budget depends on the shape alone: compressing one sample image on the
     * driver fails with a clear message, before any work, when the ratio is out of its reach.
     */
    private void checkBaselineReach(CompressionSpec spec, List<InputScan.Sample> sample) {
        if (config.compression().codec().tensorTrain() || sample.isEmpty()) {
            return;
        }
        LowRankFactorizer factorizer = LowRankFactorizers.create(config.compression().route());
        try {
            var image = sample.get(0).image();
            config.compression().codec().create(spec, factorizer).encode(image.pixels(), image.shape());
        } finally {
            LowRankFactorizers.close(factorizer);
        }
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
        // Fails with a clear message if the ratio is out of this shape's reach, before any work.
        spec.truncation().policies(layout, spec.stages());
        long t = System.nanoTime();
        // One calibration per image, in parallel, merged in sample order: the sums, and so the
        // profile, do not depend on how many threads ran.
        List<RankProfile.Calibration> parts = pixels.parallelStream()
                .map(image -> calibrate(image, layout, spec.stages(), ratio))
                .toList();
        RankProfile.Calibration all = new RankProfile.Calibration(layout, spec.stages(), ratio);
        for (RankProfile.Calibration part : parts) {
            all.merge(part);
        }
        RankProfile profile = all.profile();
        LOG.info("Calibrated the rank profile on {} image(s) of {} in {} s: {}", pixels.size(), shape, seconds(t),
                profile);
        return profile;
    }

    /** The calibration sums of one sample image, on a factoriser of its own. */
    private RankProfile.Calibration calibrate(float[] image, TensorLayout layout, int stages, double ratio) {
        RankProfile.Calibration calibration = new RankProfile.Calibration(layout, stages, ratio);
        LowRankFactorizer factorizer = LowRankFactorizers.create(config.compression().route());
        try {
            calibration.add(image, new TtSvd(factorizer));
            return calibration;
        } finally {
            LowRankFactorizers.close(factorizer);
        }
    }

    private void write(Dataset<Row> rows, String path, boolean append) {
        rows.write()
                .mode(append ? org.apache.spark.sql.SaveMode.Append : org.apache.spark.sql.SaveMode.ErrorIfExists)
                .option("compression", "zstd")
                .option("parquet.block.size", (long) config.rowGroupMb() << 20)
                // Core blobs never repeat: a dictionary for them is wasted hashing.
                .option("parquet.enable.dictionary#" + FactorFormat.STAGES + ".list.element." + FactorFormat.CORES
                        + ".list.element", "false")
                .parquet(path);
    }

    private Map<String, Object> manifest(InputScan scan, long inputs, long processed, Tally tally, List<Row> errors,
            OutputFolder output, CompressionSpec spec, RankProfile profile, long start) throws IOException {
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
        compression.put("codec", config.compression().codec().name());
        compression.put("precision", config.compression().precision().label());
        compression.put("dtype", config.compression().precision().dtype());
        compression.put("route", config.compression().route());
        compression.put("stages", spec.stages());
        compression.put("layout_request", spec.layout().toString());
        compression.put("rank_profile", profile == null ? null : Manifest.describe(profile));
        m.put("compression", compression);
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("inputs", inputs);
        counts.put("images", tally.images());
        counts.put("failed", tally.failed());
        m.put("counts", counts);
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("input_bytes", tally.inputBytes());
        long storedBytes = output.stagedBytes(OutputFolder.FACTORS);
        totals.put("stored_bytes", storedBytes);
        totals.put("stored_bytes_per_image", tally.images() == 0 ? 0.0 : (double) storedBytes / tally.images());
        totals.put("error_table_bytes", output.stagedBytes(OutputFolder.ERRORS));
        totals.put("stored_values", tally.storedValues());
        m.put("totals", totals);
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("mean_ratio", tally.meanRatio());
        stats.put("mean_psnr_db", tally.meanPsnrDb());
        stats.put("exact_images", tally.exactImages());
        stats.put("psnr_db_percentiles", tally.psnrPercentiles());
        stats.put("ratio_percentiles", tally.ratioPercentiles());
        m.put("stats", stats);
        m.put("error_examples", Manifest.errorExamples(errors));
        Map<String, Object> timing = new LinkedHashMap<>();
        timing.put("seconds", Math.round(seconds * 1000) / 1000.0);
        timing.put("images_per_second", Math.round(processed / Math.max(seconds, 1e-9) * 10) / 10.0);
        m.put("timing", timing);
        return m;
    }
}
