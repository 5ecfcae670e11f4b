package dev.mmps.spark.select;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;

import dev.mmps.images.ChannelMode;
import dev.mmps.images.Preprocess;
import dev.mmps.settings.ValidationException;
import dev.mmps.spark.compress.Progress;
import dev.mmps.spark.config.JobConfig;
import dev.mmps.spark.config.SelectionConfig;
import dev.mmps.spark.config.SelectionSettings;
import dev.mmps.spark.ingest.InputScan;
import dev.mmps.spark.ingest.Printable;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.spark.sink.Manifest;
import dev.mmps.spark.sink.OutputFolder;
import dev.mmps.spark.sink.TableFormat;
import dev.mmps.table.FactorFormat;
import dev.mmps.table.ManifestFiles;
import dev.mmps.table.SubsetManifest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The selection baselines of the paper (Random and K-Center subsets of whole images) as a Spark
 * job, for corpora too large to select from on one machine.
 *
 * <p>Two passes. The first reads and decodes every image once, on the executors, into an 8-bit
 * thumbnail at the feature size, staged as Parquet ({@code staged-features}, removed before the
 * commit); unreadable images become error rows. The second splits the images by a hash of their id
 * into groups of at most {@code selection.group-images}, gives each group its share of the budget
 * (largest remainder, so the shares add up to {@code round(ratio x N)} exactly), and selects within
 * each group in one task: a seeded sample, or greedy K-Center on the thumbnails. Greedy K-Center is
 * sequential in its picks; grouping is what lets it run on many executors, at the price that each
 * group is covered on its own: the manifest's {@code covering_radius} is the largest distance from
 * any image to the nearest kept image of its group. The output folder holds {@code selection/} (one
 * row per kept image, identity columns as in the factor table), {@code errors/} and
 * {@code manifest.json}, committed in one rename as the compress job's are.
 */
public final class SelectJob {

    private static final Logger LOG = LoggerFactory.getLogger(SelectJob.class);
    private static final String FEATURES = "staged-features";
    public static final String SELECTION = "selection";
    private static final int IMAGES_PER_TASK = 2000;

    private final SparkSession spark;
    private final JobConfig config;
    private final SelectionSettings settings;

    public SelectJob(SparkSession spark, SelectionConfig config) {
        this.spark = spark;
        this.config = config.job();
        this.settings = config.selection();
    }

    /** Runs the job and returns its manifest. */
    public SubsetManifest run() {
        long start = System.nanoTime();
        return OutputFolder.prepare(config.output(), config.overwrite(), TableFormat.PARQUET,
                spark.sparkContext().hadoopConfiguration()).run(output -> run(output, start));
    }

    private SubsetManifest run(OutputFolder output, long start) throws IOException {
        InputScan scan = InputScan.of(spark, config, output.stagedPath(OutputFolder.LISTING));
        if (scan.isIdx()) {
            throw new ValidationException("input " + config.input() + " holds IDX files; select reads image "
                    + "folders, and an IDX dataset (MNIST, Fashion-MNIST) is small enough for the selection "
                    + "bin/mmps evaluate makes itself (methods random and kcenter)");
        }
        LOG.info("Input {}: {} file(s), {} (listed)", Printable.of(scan.rootUri()), scan.files(), scan.describe());
        LOG.info("Decoding JPEG and PNG files with {} (ingest.decoder = {})", config.ingest().decoderInUse(),
                config.ingest().decoder().label());
        String rootPath = FactorRows.Origin.rootPath(scan.rootUri());
        long listed = scan.files() - scan.issues().size();
        Dataset<Row> staged = decode(scan, rootPath, listed, output);
        List<Row> errors = errors(staged, scan, rootPath);
        Dataset<Row> images = staged.where(col(SelectRows.FEATURES_COLUMN).isNotNull()).drop(FactorFormat.ERROR_STEP,
                FactorFormat.ERROR_REASON);
        long n = listed - (errors.size() - scan.issues().size());
        long budget = Math.round(settings.ratio() * n);
        if (n > 0 && budget < 1) {
            throw new ValidationException("selection ratio " + settings.ratio() + " of " + n + " images keeps no "
                    + "image; pass a larger --ratio");
        }
        int groups = (int) Math.max(1, Math.ceil((double) n / settings.groupImages()));
        Dataset<Row> grouped = images.withColumn(SelectRows.GROUP,
                pmod(hash(col(FactorFormat.ID)), lit(groups)).cast(DataTypes.IntegerType));
        Map<Integer, Long> sizes = new TreeMap<>();
        for (Row r : grouped.groupBy(SelectRows.GROUP).count().collectAsList()) {
            sizes.put(r.getInt(0), r.getLong(1));
        }
        Map<Integer, Integer> quotas = quotas(sizes, budget);

        LongAccumulator selected = spark.sparkContext().longAccumulator("selected");
        CollectionAccumulator<Double> radii = spark.sparkContext().collectionAccumulator("covering radii");
        long t = System.nanoTime();
        try (Progress progress = Progress.start("select: " + settings.method(), selected, n,
                config.progressSeconds())) {
            write(grouped.repartitionByRange(groups, col(SelectRows.GROUP))
                    .sortWithinPartitions(SelectRows.GROUP, FactorFormat.ID)
                    .mapPartitions(new GroupStage(settings, quotas, selected, radii),
                            Encoders.row(SelectRows.SELECTION)),
                    output.staged(SELECTION));
            progress.finish();
        }
        double selectSeconds = (System.nanoTime() - t) / 1e9;
        write(spark.createDataFrame(errors, FactorRows.ERRORS).coalesce(1), output.staged(OutputFolder.ERRORS));
        Dataset<Row> selection = spark.read().parquet(output.staged(SELECTION));
        long kept = selection.count();
        if (kept != budget) {
            throw new IllegalStateException(kept + " images were selected where the budget is " + budget
                    + "; the output is not committed");
        }
        Double radius = radii.value().stream().max(Double::compare).orElse(null);
        output.deleteStaged(FEATURES);
        output.deleteStaged(OutputFolder.LISTING);
        SubsetManifest manifest = manifest(scan, n, kept, errors, sizes, radius, selectSeconds, start);
        output.writeStaged(OutputFolder.MANIFEST, ManifestFiles.toJson(manifest));
        output.commit();
        return manifest;
    }

    /** The first pass: every listed image decoded once into a thumbnail (or a failure), staged as Parquet. */
    private Dataset<Row> decode(InputScan scan, String rootPath, long listed, OutputFolder output) {
        SerializableConfiguration hadoop = new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
        Preprocess thumbnails = new Preprocess(settings.featureHeight(), settings.featureWidth(),
                settings.featureChannels() == 1 ? ChannelMode.GRAY : ChannelMode.RGB, config.ingest().maxPixels(),
                config.ingest().decoder());
        LongAccumulator decoded = spark.sparkContext().longAccumulator("decoded");
        int partitions = config.spark().partitions() > 0 ? config.spark().partitions()
                : (int) Math.max(4L * spark.sparkContext().defaultParallelism(),
                        (long) Math.ceil((double) listed / IMAGES_PER_TASK));
        try (Progress progress = Progress.start("select: decode", decoded, listed, config.progressSeconds())) {
            write(scan.listedFiles().repartition(partitions).mapPartitions(new FeatureStage(thumbnails,
                    config.ingest().maxFileBytes(), rootPath, scan.classIndex(), hadoop, decoded),
                    Encoders.row(SelectRows.FEATURES)), output.staged(FEATURES));
            progress.finish();
        }
        return spark.read().schema(SelectRows.FEATURES).parquet(output.staged(FEATURES));
    }

    /** Error rows, sorted by id: images that failed to decode, and inputs the listing could not read. */
    private static List<Row> errors(Dataset<Row> staged, InputScan scan, String rootPath) {
        List<Row> errors = new ArrayList<>(staged.where(col(SelectRows.FEATURES_COLUMN).isNull())
                .select(Arrays.stream(FactorRows.ERRORS.fieldNames()).map(org.apache.spark.sql.functions::col)
                        .toArray(org.apache.spark.sql.Column[]::new))
                .collectAsList());
        scan.issues().forEach(issue -> errors.add(FactorRows.errorRow(FactorRows.Origin.of(rootPath,
                scan.classIndex(), issue.uri(), issue.modified() > 0 ? new java.sql.Timestamp(issue.modified()) : null,
                0), issue.failure())));
        errors.sort(Comparator.comparing(r -> r.getString(0)));
        return errors;
    }

    /**
     * Each group's share of the budget by largest remainder: {@code floor(budget * size / n)}, then
     * one more for the groups with the largest fractional parts until the shares add up to the budget.
     */
    static Map<Integer, Integer> quotas(Map<Integer, Long> sizes, long budget) {
        long n = sizes.values().stream().mapToLong(Long::longValue).sum();
        Map<Integer, Integer> quotas = new TreeMap<>();
        List<Map.Entry<Integer, Double>> remainders = new ArrayList<>();
        long given = 0;
        for (Map.Entry<Integer, Long> e : sizes.entrySet()) {
            double exact = n == 0 ? 0 : (double) budget * e.getValue() / n;
            int floor = (int) Math.floor(exact);
            quotas.put(e.getKey(), floor);
            given += floor;
            remainders.add(Map.entry(e.getKey(), exact - floor));
        }
        remainders.sort(Map.Entry.<Integer, Double>comparingByValue().reversed()
                .thenComparing(Map.Entry.comparingByKey()));
        for (int i = 0; given < budget; i++, given++) {
            quotas.merge(remainders.get(i).getKey(), 1, Integer::sum);
        }
        return quotas;
    }

    private void write(Dataset<Row> rows, String path) {
        rows.write().mode(SaveMode.ErrorIfExists).option("compression", "zstd")
                .option("parquet.enable.dictionary#" + SelectRows.FEATURES_COLUMN, "false").parquet(path);
    }

    private SubsetManifest manifest(InputScan scan, long images, long kept, List<Row> errors,
            Map<Integer, Long> sizes, Double radius, double selectSeconds, long start) {
        double seconds = (System.nanoTime() - start) / 1e9;
        // K-Center: no image is farther than the radius from the kept image nearest to it in its group.
        SubsetManifest.Selection selection = new SubsetManifest.Selection(settings.method(), settings.ratio(),
                settings.seed(), settings.method().equals("kcenter") ? "pixels " + settings.featureLabel() : null,
                settings.groupImages(), sizes.size(), sizes.values().stream().mapToLong(Long::longValue).max().orElse(0),
                radius);
        LOG.info("Selected {} of {} images ({}) in {} s", kept, images, settings.method(),
                String.format(Locale.ROOT, "%.1f", seconds));
        return new SubsetManifest(SubsetManifest.SCHEMA_VERSION, Manifest.version(), java.time.Instant.now().toString(),
                SubsetManifest.COMMAND, new SubsetManifest.Input(scan.rootUri(), scan.classNames()), selection,
                new SubsetManifest.Counts(scan.files(), images, errors.size(), kept), Manifest.errorExamples(errors),
                new SubsetManifest.Timing(Math.round(seconds * 1000) / 1000.0, Math.round(selectSeconds * 1000) / 1000.0,
                        Math.round(images / Math.max(seconds, 1e-9) * 10) / 10.0));
    }
}
