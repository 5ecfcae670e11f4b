package dev.mmps.spark.compress;

import dev.mmps.spark.config.JobConfig;
import dev.mmps.spark.ingest.InputScan;
import dev.mmps.spark.ingest.Printable;
import dev.mmps.spark.sink.DeltaOutput;
import dev.mmps.spark.sink.ErrorParts;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.spark.sink.Manifest;
import dev.mmps.spark.sink.OutputFolder;
import dev.mmps.spark.sink.TableFormat;
import dev.mmps.table.FactorFormat;
import dev.mmps.table.ManifestFiles;
import dev.mmps.table.TableManifest;
import dev.mmps.tensor.codec.RankProfile;
import java.io.IOException;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compress job: scan the input, decide what to do ({@link Work}: everything, or what an incremental
 * run finds new), plan the compression on a sample ({@link CompressionPlan}: layout and rank profile),
 * compress every image on the executors, write the factor and error tables and the manifest, and commit
 * the output folder in one rename.
 *
 * <p>Only small things travel to the driver: the listing's counts, the calibration sample (a few
 * dozen images) and the statistics. Each image is decoded and compressed once, inside
 * {@code mapPartitions}, in the same pass that writes the factor table; statistics come back through
 * accumulators and the tasks write their error rows themselves ({@link ErrorParts}), so nothing is
 * cached or computed twice and nothing per input is held by the driver.
 */
public final class CompressJob {

    private static final Logger LOG = LoggerFactory.getLogger(CompressJob.class);

    /** Images per task at most: keeps progress lines frequent and tasks short. */
    private static final int IMAGES_PER_TASK = 2000;
    /**
     * Images per task at least, until there are enough for four tasks a core: each task writes a part file, and
     * a scheduled incremental run that adds a handful of images should add one file, not one per task slot.
     */
    private static final int FEWEST_IMAGES_PER_TASK = 250;

    private final SparkSession spark;
    private final JobConfig config;

    public CompressJob(SparkSession spark, JobConfig config) {
        this.spark = spark;
        this.config = config;
    }

    /** Runs the job and returns its manifest. */
    public TableManifest run() {
        long start = System.nanoTime();
        // Before anything is written: decoder = opencv where its library does not load is the user's to fix.
        config.ingest().decoderInUse();
        if (config.tableFormat() == TableFormat.DELTA) {
            DeltaOutput.checkSession(spark);
        }
        return OutputFolder.prepare(config.output(), config.overwrite() || config.incremental(), config.tableFormat(),
                spark.sparkContext().hadoopConfiguration()).run(output -> run(output, start));
    }

    private TableManifest run(OutputFolder output, long start) throws IOException {
        IncrementalRun.Table table = config.incremental() ? IncrementalRun.open(spark, config, output) : null;
        JobConfig job = table == null ? config : IncrementalRun.withTableLayout(config, table);
        InputScan scan = InputScan.of(spark, job, output.stagedPath(OutputFolder.LISTING));
        LOG.info("Input {}: {} file(s), {} bytes, {} (listed in {} s)", Printable.of(scan.rootUri()), scan.files(),
                scan.bytes(), scan.describe(), seconds(start));
        if (!scan.isIdx()) {
            LOG.info("Decoding JPEG and PNG files with {} (ingest.decoder = {})", job.ingest().decoderInUse(),
                    job.ingest().decoder().label());
        }
        try (Work work = table == null ? new Work.Full(scan) : Work.incremental(spark, table, scan, config.prune())) {
            if (work.upToDate()) {
                output.abandon();
                LOG.info("{} is up to date: nothing written", Printable.of(config.output()));
                return table.manifest().withIncremental(work.incremental()
                        .upToDate(Math.round((System.nanoTime() - start) / 1e6) / 1000.0));
            }
            CompressionPlan plan = CompressionPlan.of(job, scan, table == null ? null : table.manifest());
            return execute(job, scan, work, plan, output, start);
        }
    }

    /** Compresses what the work lists, writes both tables and the manifest, and commits the output. */
    private TableManifest execute(JobConfig job, InputScan scan, Work work, CompressionPlan plan, OutputFolder output,
            long start) throws IOException {
        StageSettings settings = plan.settings();
        Broadcast<StageSettings> broadcast = spark.sparkContext().broadcast(settings,
                scala.reflect.ClassTag$.MODULE$.apply(StageSettings.class));
        Broadcast<SerializableConfiguration> hadoop = spark.sparkContext().broadcast(
                new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()),
                scala.reflect.ClassTag$.MODULE$.apply(SerializableConfiguration.class));
        Accumulators accumulators = Accumulators.register(spark.sparkContext(),
                new ErrorParts(output.staged(OutputFolder.ERROR_PARTS)));
        ImageFilesStage.report(settings, scan.issues(), accumulators, spark.sparkContext().hadoopConfiguration());

        long processed = work.todoCount() + scan.issues().size();
        Dataset<Row> factors = scan.isIdx()
                ? scan.idxRanges(partitions(work.todoCount())).flatMap(new IdxStage(broadcast, hadoop, accumulators),
                        Encoders.row(FactorRows.FACTORS))
                : work.todo().repartition(partitions(work.todoCount()))
                        .mapPartitions(new ImageFilesStage(broadcast, hadoop, accumulators),
                                Encoders.row(FactorRows.FACTORS));
        try (Progress progress = Progress.start("compress", accumulators.done(), processed, job.progressSeconds())) {
            long t = System.nanoTime();
            write(factors, output.staged(OutputFolder.FACTORS), false);
            progress.finish();
            LOG.info("Compressed and wrote the factor table in {} s", seconds(t));
        }
        Tally tally = accumulators.tally();
        if (tally.images() + tally.failed() != processed) {
            throw new IllegalStateException(processed + " inputs were listed but " + tally.images()
                    + " factor rows and " + tally.failed() + " error rows were produced; the output is not committed");
        }
        Dataset<Row> failed = accumulators.errors().read(spark);
        long errorRows = failed.count();
        if (errorRows != tally.failed()) {
            throw new IllegalStateException(tally.failed() + " inputs failed but the tasks wrote " + errorRows
                    + " error rows; the output is not committed");
        }
        Dataset<Row> carried = work.carriedErrors(spark);
        Dataset<Row> errors = errorTable(carried == null ? failed : failed.unionByName(carried));
        output.deleteStaged(OutputFolder.LISTING);
        TableManifest.Input input = new TableManifest.Input(scan.rootUri(), scan.isIdx() ? TableManifest.KIND_IDX
                : TableManifest.KIND_IMAGE_FOLDERS, scan.classNames(), scan.listingDigest());
        if (job.tableFormat() == TableFormat.DELTA) {
            return commitDelta(job, input, work, plan, output, errors, tally, scan.files(), processed, start);
        }
        Dataset<Row> kept = work.carry(spark, output);
        if (kept != null) {
            write(kept, output.staged(OutputFolder.FACTORS), true);
        }
        write(errors, output.staged(OutputFolder.ERRORS), false);
        output.deleteStaged(OutputFolder.ERROR_PARTS);
        Dataset<Row> written = spark.read().schema(FactorRows.ERRORS).parquet(output.staged(OutputFolder.ERRORS));
        tally = work.tally(spark, tally, staged(output), written);
        TableManifest manifest = manifest(job, input, plan.settings().spec().stages(), plan.profile(), plan.search(),
                scan.files() + work.keptRemoved(), processed, tally, Manifest.errorExamples(written), output, start)
                .withIncremental(work.incremental());
        output.writeStaged(OutputFolder.MANIFEST, ManifestFiles.toJson(manifest));
        output.commit();
        return manifest;
    }

    /**
     * Commits the staged rows into Delta tables ({@link DeltaOutput}): the error table, then the factor table
     * (replaced, or merged into by an incremental run) with the manifest in its commit.
     */
    private TableManifest commitDelta(JobConfig job, TableManifest.Input input, Work work, CompressionPlan plan,
            OutputFolder output, Dataset<Row> errors, Tally written, long listed, long processed, long start)
            throws IOException {
        Dataset<Row> staged = staged(output);
        Dataset<Row> kept = work.kept(spark);
        Tally tally = work.tally(spark, written, kept == null ? staged : kept.unionByName(staged), errors);
        TableManifest manifest = manifest(job, input, plan.settings().spec().stages(), plan.profile(), plan.search(),
                listed + work.keptRemoved(), processed, tally, Manifest.errorExamples(errors), output, start)
                .withIncremental(work.incremental());
        long errorsVersion = DeltaOutput.commitErrors(spark, output.target(), errors, job.rowGroupMb());
        manifest = manifest.withDelta(new TableManifest.Delta(null, errorsVersion));
        long t = System.nanoTime();
        work.commitDelta(spark, output.target(), staged, manifest, job.rowGroupMb());
        LOG.info("Committed the factor table's new version in {} s", seconds(t));
        TableManifest committed = DeltaOutput.writeManifestCopy(output.target(),
                spark.sparkContext().hadoopConfiguration());
        output.abandon();
        return committed;
    }

    /** Error rows as the error table holds them: one part, sorted by id (read in parallel, then gathered). */
    static Dataset<Row> errorTable(Dataset<Row> errors) {
        return errors.repartition(1).sortWithinPartitions(FactorFormat.ID);
    }

    /** The factor rows staged in {@code output}. */
    private Dataset<Row> staged(OutputFolder output) {
        return spark.read().schema(FactorRows.FACTORS).parquet(output.staged(OutputFolder.FACTORS));
    }

    /**
     * Partitions for {@code inputs} images: about four per core, at most a few thousand images each, and fewer
     * when there are too few images to give each a few hundred. The price: a few hundred new images run as one
     * or two tasks even on a large cluster, a second or two of work each.
     */
    private int partitions(long inputs) {
        if (config.spark().partitions() > 0) {
            return config.spark().partitions();
        }
        long perCore = Math.min(4L * spark.sparkContext().defaultParallelism(),
                (long) Math.ceil((double) inputs / FEWEST_IMAGES_PER_TASK));
        return (int) Math.max(1, Math.max(perCore, (long) Math.ceil((double) inputs / IMAGES_PER_TASK)));
    }

    private static String seconds(long since) {
        return String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - since) / 1e9);
    }

    private void write(Dataset<Row> rows, String path, boolean append) {
        write(rows, path, append, config.rowGroupMb());
    }

    /** Writes rows of a table as zstd Parquet with row groups of about {@code rowGroupMb}. */
    static void write(Dataset<Row> rows, String path, boolean append, int rowGroupMb) {
        rows.write()
                .mode(append ? org.apache.spark.sql.SaveMode.Append : org.apache.spark.sql.SaveMode.ErrorIfExists)
                .option("compression", "zstd")
                .option("parquet.block.size", (long) rowGroupMb << 20)
                // Core blobs never repeat: a dictionary for them is wasted hashing.
                .option("parquet.enable.dictionary#" + FactorFormat.STAGES + ".list.element." + FactorFormat.CORES
                        + ".list.element", "false")
                .parquet(path);
    }

    /**
     * The manifest of a table staged in {@code output}: what was asked, what the sample decided, the counts and
     * statistics of its rows, and the time since {@code start}.
     *
     * @param inputs inputs the table accounts for
     * @param processed inputs this run processed, for its speed
     */
    static TableManifest manifest(JobConfig job, TableManifest.Input input, int stages, RankProfile profile,
            TableManifest.LayoutSearchEntry search, long inputs, long processed, Tally tally,
            List<TableManifest.ErrorExample> errorExamples, OutputFolder output, long start) throws IOException {
        double seconds = (System.nanoTime() - start) / 1e9;
        JobConfig.CompressionSettings c = job.compression();
        TableManifest.Compression compression = new TableManifest.Compression(c.codec().name(),
                c.precision().label(), c.precision().dtype(), c.route(), stages,
                c.layout().automatic() ? JobConfig.LayoutSettings.AUTO : c.layout().request().toString(),
                TableManifest.RankProfileEntry.of(profile), search);
        long storedBytes = output.stagedBytes(OutputFolder.FACTORS);
        TableManifest.Totals totals = new TableManifest.Totals(tally.inputBytes(), storedBytes,
                tally.images() == 0 ? 0.0 : (double) storedBytes / tally.images(),
                output.stagedBytes(OutputFolder.ERRORS), tally.storedValues());
        TableManifest.Stats stats = new TableManifest.Stats(tally.meanRatio(), tally.meanPsnrDb(), tally.exactImages(),
                tally.psnrPercentiles(), tally.ratioPercentiles());
        return new TableManifest(FactorFormat.SCHEMA_VERSION, Manifest.version(), java.time.Instant.now().toString(),
                job.describe(), input, compression, new TableManifest.Counts(inputs, tally.images(), tally.failed()), null, totals, stats,
                errorExamples, new TableManifest.Timing(Math.round(seconds * 1000) / 1000.0,
                        Math.round(processed / Math.max(seconds, 1e-9) * 10) / 10.0), null);
    }
}
