package dev.mmps.spark.compress;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.mmps.settings.ValidationException;
import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.spark.config.JobConfig;
import dev.mmps.spark.config.JobSetting;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.spark.sink.OutputFolder;
import dev.mmps.table.DeltaSnapshot;
import dev.mmps.table.FactorFormat;
import dev.mmps.table.ManifestFiles;
import dev.mmps.table.TableManifest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compress run that adds to an existing output ({@code --incremental}), for scheduled runs over
 * a growing corpus. An input whose source URI and modification time are already in the factor or
 * error table is skipped; new and changed files are compressed; the rows of changed files are
 * replaced; rows of files no longer in the input are kept and reported (or dropped with
 * {@code --prune}). The new table is staged beside the old one like any run's output: part files
 * with nothing to drop are carried over unchanged (hard links on a local file system), the others
 * rewritten without the dropped rows, so the old output stays intact until the one rename of the
 * commit. A run that finds nothing to do writes nothing.
 *
 * <p>The settings that shape the factors must be those of the existing table ({@link JobSetting.Role#ROWS}),
 * its layout and calibrated rank profile are reused, so old and new rows are planned alike.
 *
 * <p>{@link #compare} computes everything the run will do as an immutable {@link Plan} before anything
 * is written; the job then executes it.
 */
final class IncrementalRun {

    private static final Logger LOG = LoggerFactory.getLogger(IncrementalRun.class);

    private static final String SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions";
    /** Inputs per partition of the comparison: a few short columns each, so many fit. */
    private static final long INPUTS_PER_PARTITION = 200_000;
    private static final String FACTOR = "factor";
    private static final String ERROR = "error";
    private static final String NEW = "new";
    private static final String UNCHANGED = "unchanged";
    private static final String CHANGED = "changed";
    private static final String GONE = "gone";
    /** {@code incremental.removed_rows}: rows of files gone from the input stay, or (with --prune) go. */
    private static final String KEPT = "kept";
    private static final String DROPPED = "dropped";

    private IncrementalRun() {}

    /** The output an incremental run adds to: where it is and what its manifest says. */
    record Table(Path target, TableManifest manifest) {}

    /**
     * The table at {@code output}, checked against this run's settings, or null when it does not exist
     * yet (then the run is a full one).
     *
     * @throws ValidationException if the existing table cannot be added to with these settings
     */
    static Table open(SparkSession spark, JobConfig config, OutputFolder output) {
        Path target = output.target();
        try {
            FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(target)) {
                LOG.info("{} does not exist yet: compressing every input", target);
                return null;
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot look at " + target + ": " + e.getMessage(), e);
        }
        TableManifest manifest = ManifestFiles.readTable(target.toString(), spark.sparkContext().hadoopConfiguration());
        ValidationException.check(manifest.schemaVersion() == FactorFormat.SCHEMA_VERSION, "output " + config.output()
                + " has schema version " + manifest.schemaVersion() + " but this mmps writes version "
                + FactorFormat.SCHEMA_VERSION + "; --incremental cannot mix them: pass --overwrite to rebuild it");
        ValidationException.check(!manifest.input().idx(), "output " + config.output() + " was made from IDX files, "
                + "which are compressed whole; --incremental works on image folders: pass --overwrite to rebuild it");
        checkSettings(config, manifest.config());
        return new Table(target, manifest);
    }

    /**
     * Every setting that shapes the rows must be the one the table was made with, and a layout setting the
     * user gives must be the table's. A setting the manifest does not record (a build before it existed)
     * was made with its default.
     */
    private static void checkSettings(JobConfig config, Map<String, Object> recorded) {
        JobConfig defaults = ConfigLoader.load(null, Map.of(JobSetting.INPUT.key(), config.input(),
                JobSetting.OUTPUT.key(), config.output(), JobSetting.CODEC.key(), config.compression().codec().name()));
        for (JobSetting s : JobSetting.values()) {
            boolean checked = s.role() == JobSetting.Role.ROWS
                    || (s.role() == JobSetting.Role.LAYOUT && config.isExplicit(s));
            if (!checked || !s.applies(config)) {
                continue;
            }
            Object now = s.recorded(config);
            Object then = recorded.containsKey(s.key()) ? recorded.get(s.key()) : s.recorded(defaults);
            ValidationException.check(JobSetting.sameValue(then, now), "--incremental adds to a table made with "
                    + s.key() + "=" + then + ", but this run has " + s.key() + "=" + now + "; pass the same settings, "
                    + "or write a new output");
        }
    }

    /**
     * This run's settings with the table's layout settings in place of those the user did not give, so new
     * rows are laid out as the old ones.
     */
    static JobConfig withTableLayout(JobConfig config, Table table) {
        Map<String, Object> layout = new LinkedHashMap<>();
        for (JobSetting s : List.of(JobSetting.LAYOUT, JobSetting.ORDER, JobSetting.MPS_CORES)) {
            Object value = config.isExplicit(s) ? s.recorded(config) : table.manifest().config().get(s.key());
            if (value != null && !"".equals(value)) {
                layout.put(s.key(), value);
            }
        }
        return config.withCompression(config.compression().withLayout(ConfigLoader.recordedLayout(layout)));
    }

    /**
     * @throws ValidationException if the table was made from another input root: its ids would mean other
     *     files
     */
    static void checkRoot(Table table, String rootUri) {
        String previous = table.manifest().input().root();
        ValidationException.check(previous.equals(rootUri), "--incremental adds to a table made from " + previous
                + ", but the input is " + rootUri + "; pass the same --input, or write a new output");
    }

    /**
     * What an incremental run will do, decided before it writes anything: the listed files to compress (new
     * or changed), the counts, the old rows to drop and the part files that hold them, the old error rows
     * to keep. Holds the cached comparison it was read from until {@link #close}.
     *
     * @param todo the listed files to compress ({@code path, modificationTime, length})
     * @param upToDate whether the run would change nothing, so nothing is written
     */
    record Plan(Table table, boolean prune, Dataset<Row> todo, long todoCount, long skipped, long replaced,
            long removed, List<String> removedExamples, boolean upToDate, Dataset<Row> dropped, Set<String> rewrite,
            Dataset<Row> carriedErrors, Dataset<Row> comparison) implements AutoCloseable {

        Plan {
            removedExamples = List.copyOf(removedExamples);
            rewrite = Set.copyOf(rewrite);
        }

        /** The manifest's {@code incremental} section. */
        TableManifest.Incremental describe() {
            return new TableManifest.Incremental(table.manifest().created(), skipped, todoCount, replaced, removed,
                    prune ? DROPPED : KEPT, removedExamples, null, null);
        }

        /** Rows of files no longer in the input that stay in the table. */
        long keptRemoved() {
            return prune ? 0 : removed;
        }

        @Override
        public void close() {
            comparison.unpersist();
        }
    }

    /**
     * Whether the walk found the input exactly as the table was last made from it (the digest its manifest
     * records) and the run would keep the table as it is, so that the comparison can be skipped: every listed
     * file then has its row with its current modification time, and every walk issue its error row. Not so when
     * {@code --prune} would drop rows the table kept of files gone from the input.
     */
    static boolean unchanged(Table table, String listingDigest, boolean prune) {
        return listingDigest != null && listingDigest.equals(table.manifest().input().listingDigest())
                && !(prune && keptRemoved(table.manifest()) > 0);
    }

    /** The figures of a run that found the input unchanged ({@link #unchanged}). */
    static TableManifest.Incremental unchangedRun(Table table, long listed, boolean prune) {
        TableManifest.Incremental last = table.manifest().incremental();
        long kept = keptRemoved(table.manifest());
        LOG.info("Incremental: the input is file for file the one the table was made from (same listing digest): "
                + "{} input(s) unchanged, {} row(s) of files no longer in the input kept", listed, kept);
        return new TableManifest.Incremental(table.manifest().created(), listed, 0, 0, kept, prune ? DROPPED : KEPT,
                kept > 0 ? last.removedExamples() : List.of(), null, null);
    }

    /** Rows the table holds of files that were no longer in the input when it was made. */
    private static long keptRemoved(TableManifest manifest) {
        TableManifest.Incremental last = manifest.incremental();
        return last != null && KEPT.equals(last.removedRows()) ? last.removed() : 0;
    }

    /**
     * Compares the listing with the table in one pass: each listed file and each row of the old tables,
     * matched by source URI, is new, unchanged, changed or gone. The comparison is small (a few columns
     * per input) and cached; everything else is read from it.
     *
     * @param listed the listing ({@code path, modificationTime, length})
     * @param listedCount how many files it lists
     * @param issueIds ids of this run's walk issues (inputs that are not readable files)
     */
    static Plan compare(SparkSession spark, Table table, Dataset<Row> listed, long listedCount, Set<String> issueIds,
            boolean prune) {
        // A cached plan keeps the partitions it was made with (Spark's adaptive execution does not
        // coalesce them), so size its joins and groupings for the inputs, not the default 200.
        var conf = spark.conf();
        String shufflePartitions = conf.get(SHUFFLE_PARTITIONS);
        conf.set(SHUFFLE_PARTITIONS, Long.toString(Math.max(spark.sparkContext().defaultParallelism(),
                (long) Math.ceil(listedCount / (double) INPUTS_PER_PARTITION))));
        try {
            return compare(spark, table, listed, issueIds, prune);
        } finally {
            conf.set(SHUFFLE_PARTITIONS, shufflePartitions);
        }
    }

    private static Plan compare(SparkSession spark, Table table, Dataset<Row> listed, Set<String> issueIds,
            boolean prune) {
        Dataset<Row> known = read(spark, table, OutputFolder.FACTORS, FactorRows.FACTORS)
                .select(col(FactorFormat.ID), col(FactorFormat.SOURCE), col(FactorFormat.SOURCE_MODIFIED),
                        input_file_name().as("file"), lit(FACTOR).as("kind"))
                .union(read(spark, table, OutputFolder.ERRORS, FactorRows.ERRORS).select(col(FactorFormat.ID),
                        col(FactorFormat.SOURCE), col(FactorFormat.SOURCE_MODIFIED), lit(null).cast("string"),
                        lit(ERROR)));
        Dataset<Row> comparison = listed.join(known, col("path").equalTo(col(FactorFormat.SOURCE)), "full_outer")
                .withColumn("status", when(col(FactorFormat.SOURCE).isNull(), NEW)
                        .when(col("path").isNull(), GONE)
                        .when(col("modificationTime").equalTo(col(FactorFormat.SOURCE_MODIFIED)), UNCHANGED)
                        .otherwise(CHANGED))
                .cache();
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Row r : comparison.groupBy("kind", "status").count().collectAsList()) {
            counts.put(r.getString(0) + "/" + r.getString(1), r.getLong(2));
        }
        long skipped = counts.getOrDefault(FACTOR + "/" + UNCHANGED, 0L)
                + counts.getOrDefault(ERROR + "/" + UNCHANGED, 0L);
        long todoCount = counts.getOrDefault("null/" + NEW, 0L) + counts.getOrDefault(FACTOR + "/" + CHANGED, 0L)
                + counts.getOrDefault(ERROR + "/" + CHANGED, 0L);
        long replaced = counts.getOrDefault(FACTOR + "/" + CHANGED, 0L);
        long removed = counts.getOrDefault(FACTOR + "/" + GONE, 0L);

        List<Row> gone = comparison.filter(col("status").equalTo(GONE)).select(FactorFormat.ID, "kind")
                .orderBy(FactorFormat.ID).collectAsList();
        List<String> removedExamples = gone.stream().filter(r -> FACTOR.equals(r.getString(1))).limit(5)
                .map(r -> r.getString(0)).toList();
        Set<String> goneErrors = gone.stream().filter(r -> ERROR.equals(r.getString(1))).map(r -> r.getString(0))
                .collect(Collectors.toSet());
        Column drop = col("kind").equalTo(FACTOR).and(prune ? col("status").isin(CHANGED, GONE)
                : col("status").equalTo(CHANGED));
        Dataset<Row> dropped = comparison.filter(drop).select(FactorFormat.ID, "file");
        Set<String> rewrite = dropped.select("file").distinct().as(Encoders.STRING()).collectAsList().stream()
                .map(IncrementalRun::pathOf).collect(Collectors.toSet());
        Dataset<Row> carriedErrors = read(spark, table, OutputFolder.ERRORS, FactorRows.ERRORS).join(comparison.filter(
                col("kind").equalTo(ERROR).and(col("status").equalTo(UNCHANGED))).select(FactorFormat.ID),
                FactorFormat.ID, "left_semi");
        boolean upToDate = todoCount == 0 && replaced == 0 && !(prune && removed > 0) && issueIds.equals(goneErrors);
        LOG.info("Incremental: {} input(s) unchanged, {} to compress ({} changed), {} no longer in the input{}",
                skipped, todoCount, replaced, removed, removed > 0 ? (prune ? " (dropped)" : " (kept)") : "");
        Dataset<Row> todo = comparison.filter(col("status").isin(NEW, CHANGED)).select("path", "modificationTime",
                "length");
        return new Plan(table, prune, todo, todoCount, skipped, replaced, removed, removedExamples, upToDate, dropped,
                rewrite, carriedErrors, comparison);
    }

    /**
     * Carries the part files of the old factor table that hold no dropped row into the staged output, and
     * returns the rows to keep from the others, for the caller to write; null when there are none.
     */
    static Dataset<Row> carry(SparkSession spark, Plan plan, OutputFolder output) throws IOException {
        Path target = plan.table().target();
        FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
        int carried = 0;
        List<String> rewritten = new ArrayList<>();
        for (FileStatus f : fs.listStatus(new Path(target, OutputFolder.FACTORS))) {
            String name = f.getPath().getName();
            if (!f.isFile() || name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            if (plan.rewrite().contains(f.getPath().toUri().getPath())) {
                rewritten.add(f.getPath().toString());
            } else {
                output.carry(f.getPath());
                carried++;
            }
        }
        LOG.info("Carried {} part file(s) over unchanged; rewriting {} without their dropped rows", carried,
                plan.rewrite().size());
        if (rewritten.isEmpty()) {
            return null;
        }
        return spark.read().schema(FactorRows.FACTORS).parquet(rewritten.toArray(new String[0]))
                .join(plan.dropped().select(FactorFormat.ID), FactorFormat.ID, "left_anti");
    }

    /**
     * The rows of the table's version that an incremental run keeps: all but those it drops (changed files,
     * and with {@code --prune} files gone from the input).
     */
    static Dataset<Row> kept(SparkSession spark, Plan plan) {
        return read(spark, plan.table(), OutputFolder.FACTORS, FactorRows.FACTORS)
                .join(plan.dropped().select(FactorFormat.ID), FactorFormat.ID, "left_anti");
    }

    /** The statistics of a whole table: one pass over its factor rows' statistics columns, and the error rows. */
    static Tally tally(SparkSession spark, Dataset<Row> factors, Dataset<Row> errors) {
        Tally tally = new Tally();
        spark.sparkContext().register(tally);
        factors.select(FactorFormat.SOURCE_BYTES, FactorFormat.PARAMETERS, FactorFormat.RATIO, FactorFormat.PSNR_DB)
                .foreachPartition(new AddToTally(tally));
        Tally all = tally.copy();
        Row failed = errors.agg(count(lit(1)), coalesce(sum(FactorFormat.SOURCE_BYTES), lit(0L))).first();
        all.addFailures(failed.getLong(0), failed.getLong(1));
        return all;
    }

    /** The decoded path of a file URI as Spark names input files. */
    private static String pathOf(String uri) {
        return java.net.URI.create(uri).getPath();
    }

    /**
     * One table of the existing output, read with its known schema (no footers to infer it from); of an output
     * of Delta tables, the files of the versions its manifest describes, as the log replay finds them, read as
     * plain Parquet (Delta's own reader took seconds more to plan the same scan: BENCHMARKS.md).
     */
    private static Dataset<Row> read(SparkSession spark, Table table, String name,
            org.apache.spark.sql.types.StructType schema) {
        Path path = new Path(table.target(), name);
        TableManifest.Delta delta = table.manifest().delta();
        if (delta == null) {
            return spark.read().schema(schema).parquet(path.toString());
        }
        long version = OutputFolder.FACTORS.equals(name) ? delta.version() : delta.errorsVersion();
        String[] files = DeltaSnapshot.read(path, version, spark.sparkContext().hadoopConfiguration()).paths()
                .stream().map(Path::toString).toArray(String[]::new);
        return files.length == 0 ? spark.createDataFrame(List.<Row>of(), schema)
                : spark.read().schema(schema).parquet(files);
    }

    /** Adds the rows of one partition of statistics columns to a tally. */
    private static final class AddToTally implements ForeachPartitionFunction<Row> {

        private final Tally tally;

        AddToTally(Tally tally) {
            this.tally = tally;
        }

        @Override
        public void call(java.util.Iterator<Row> rows) {
            while (rows.hasNext()) {
                Row r = rows.next();
                tally.add(new Tally.Image(true, r.getLong(0), r.getLong(1), r.getDouble(2), r.getDouble(3)));
            }
        }
    }
}
