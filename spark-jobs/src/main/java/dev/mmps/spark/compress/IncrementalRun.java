package dev.mmps.spark.compress;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmps.spark.config.JobConfig;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.spark.sink.Manifest;
import dev.mmps.spark.sink.OutputFolder;
import dev.mmps.table.FactorFormat;
import dev.mmps.tensor.codec.RankProfile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * <p>The settings that shape the factors must be those of the existing table, and its calibrated
 * rank profile is reused, so old and new rows are planned alike.
 */
final class IncrementalRun {

    private static final Logger LOG = LoggerFactory.getLogger(IncrementalRun.class);

    /** Configuration keys that may differ between the runs that built one table. */
    private static final Set<String> FREE_KEYS = Set.of("input", "output", "overwrite", "incremental", "prune",
            "spark.master", "spark.partitions", "ingest.max-pixels", "ingest.max-file-bytes", "compression.route",
            "compression.calibration-images", "output-format.row-group-mb");

    private final SparkSession spark;
    private final Path target;
    private final JsonNode manifest;
    private final boolean prune;
    private static final String SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions";
    /** Inputs per partition of the comparison: a few short columns each, so many fit. */
    private static final long INPUTS_PER_PARTITION = 200_000;
    private static final String FACTOR = "factor";
    private static final String ERROR = "error";
    private static final String NEW = "new";
    private static final String UNCHANGED = "unchanged";
    private static final String CHANGED = "changed";
    private static final String GONE = "gone";

    private Dataset<Row> comparison;
    private Dataset<Row> dropped;
    private Set<String> goneErrors = Set.of();
    private Set<String> rewrite = Set.of();
    private List<Row> carriedErrors = List.of();
    private long skipped;
    private long replaced;
    private long removed;
    private long todoCount;
    private List<String> removedExamples = List.of();

    private IncrementalRun(SparkSession spark, Path target, JsonNode manifest, boolean prune) {
        this.spark = spark;
        this.target = target;
        this.manifest = manifest;
        this.prune = prune;
    }

    /**
     * The incremental run against {@code output}, or null when it does not exist yet (then the run
     * is a full one).
     *
     * @throws IllegalArgumentException if the existing table cannot be added to with these settings
     */
    static IncrementalRun open(SparkSession spark, JobConfig config, OutputFolder output) {
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
        JsonNode manifest = Manifest.read(target.toString(), spark.sparkContext().hadoopConfiguration());
        int version = manifest.path("schema_version").asInt();
        if (version != FactorFormat.SCHEMA_VERSION) {
            throw new IllegalArgumentException("output " + config.output() + " has schema version " + version
                    + " but this mmps writes version " + FactorFormat.SCHEMA_VERSION + "; --incremental cannot mix "
                    + "them: pass --overwrite to rebuild it");
        }
        if ("idx".equals(manifest.path("input").path("kind").asText())) {
            throw new IllegalArgumentException("output " + config.output() + " was made from IDX files, which are "
                    + "compressed whole; --incremental works on image folders: pass --overwrite to rebuild it");
        }
        checkSettings(config, manifest.path("config"));
        return new IncrementalRun(spark, target, manifest, config.prune());
    }

    /** Every setting that shapes the factors must be the one the table was made with. */
    private static void checkSettings(JobConfig config, JsonNode previous) {
        for (Map.Entry<String, Object> e : config.describe().entrySet()) {
            String key = e.getKey();
            if (FREE_KEYS.contains(key) || !previous.has(key)) {
                continue;
            }
            String now = String.valueOf(e.getValue());
            String then = previous.get(key).isNull() ? "null" : previous.get(key).asText();
            if (!now.equals(then)) {
                throw new IllegalArgumentException("--incremental adds to a table made with " + key + "=" + then
                        + ", but this run has " + key + "=" + now + "; pass the same settings, or write a new output");
            }
        }
    }

    /**
     * @throws IllegalArgumentException if the table was made from another input root: its ids
     *     would mean other files
     */
    void checkRoot(String rootUri) {
        String previous = manifest.path("input").path("root").asText();
        if (!previous.equals(rootUri)) {
            throw new IllegalArgumentException("--incremental adds to a table made from " + previous + ", but the "
                    + "input is " + rootUri + "; pass the same --input, or write a new output");
        }
    }

    /** The rank profile the table was planned with, or null when its manifest did not keep it. */
    RankProfile rankProfile() {
        return Manifest.rankProfile(manifest);
    }

    /**
     * Compares the listing with the table in one pass: each listed file and each row of the old
     * tables, matched by source URI, is new, unchanged, changed or gone. The comparison is small
     * (a few columns per input) and cached; everything else is read from it.
     *
     * @param listed the listing ({@code path, modificationTime, length})
     * @param listedCount how many files it lists
     * @return the listed files to compress, new or changed
     */
    Dataset<Row> plan(Dataset<Row> listed, long listedCount) {
        // A cached plan keeps the partitions it was made with (Spark's adaptive execution does not
        // coalesce them), so size its joins and groupings for the inputs, not the default 200.
        var conf = spark.conf();
        String shufflePartitions = conf.get(SHUFFLE_PARTITIONS);
        conf.set(SHUFFLE_PARTITIONS, Long.toString(Math.max(spark.sparkContext().defaultParallelism(),
                (long) Math.ceil(listedCount / (double) INPUTS_PER_PARTITION))));
        try {
            return compare(listed);
        } finally {
            conf.set(SHUFFLE_PARTITIONS, shufflePartitions);
        }
    }

    private Dataset<Row> compare(Dataset<Row> listed) {
        Dataset<Row> known = table(OutputFolder.FACTORS, FactorRows.FACTORS)
                .select(col(FactorFormat.ID), col(FactorFormat.SOURCE), col(FactorFormat.SOURCE_MODIFIED),
                        input_file_name().as("file"), lit(FACTOR).as("kind"))
                .union(table(OutputFolder.ERRORS, FactorRows.ERRORS).select(col(FactorFormat.ID),
                        col(FactorFormat.SOURCE), col(FactorFormat.SOURCE_MODIFIED), lit(null).cast("string"),
                        lit(ERROR)));
        comparison = listed.join(known, col("path").equalTo(col(FactorFormat.SOURCE)), "full_outer")
                .withColumn("status", when(col(FactorFormat.SOURCE).isNull(), NEW)
                        .when(col("path").isNull(), GONE)
                        .when(col("modificationTime").equalTo(col(FactorFormat.SOURCE_MODIFIED)), UNCHANGED)
                        .otherwise(CHANGED))
                .cache();
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Row r : comparison.groupBy("kind", "status").count().collectAsList()) {
            counts.put(r.getString(0) + "/" + r.getString(1), r.getLong(2));
        }
        skipped = counts.getOrDefault(FACTOR + "/" + UNCHANGED, 0L) + counts.getOrDefault(ERROR + "/" + UNCHANGED, 0L);
        todoCount = counts.getOrDefault("null/" + NEW, 0L) + counts.getOrDefault(FACTOR + "/" + CHANGED, 0L)
                + counts.getOrDefault(ERROR + "/" + CHANGED, 0L);
        replaced = counts.getOrDefault(FACTOR + "/" + CHANGED, 0L);
        removed = counts.getOrDefault(FACTOR + "/" + GONE, 0L);

        List<Row> gone = comparison.filter(col("status").equalTo(GONE)).select(FactorFormat.ID, "kind")
                .orderBy(FactorFormat.ID).collectAsList();
        removedExamples = gone.stream().filter(r -> FACTOR.equals(r.getString(1))).limit(5).map(r -> r.getString(0))
                .toList();
        goneErrors = gone.stream().filter(r -> ERROR.equals(r.getString(1))).map(r -> r.getString(0))
                .collect(java.util.stream.Collectors.toSet());
        Column drop = col("kind").equalTo(FACTOR).and(prune ? col("status").isin(CHANGED, GONE)
                : col("status").equalTo(CHANGED));
        dropped = comparison.filter(drop).select(FactorFormat.ID, "file");
        rewrite = Set.copyOf(dropped.select("file").distinct().as(Encoders.STRING()).collectAsList()
                .stream().map(IncrementalRun::pathOf).toList());
        carriedErrors = table(OutputFolder.ERRORS, FactorRows.ERRORS).join(comparison.filter(
                col("kind").equalTo(ERROR).and(col("status").equalTo(UNCHANGED))).select(FactorFormat.ID),
                FactorFormat.ID, "left_semi").collectAsList();
        LOG.info("Incremental: {} input(s) unchanged, {} to compress ({} changed), {} no longer in the input{}",
                skipped, todoCount, replaced, removed, removed > 0 ? (prune ? " (dropped)" : " (kept)") : "");
        return comparison.filter(col("status").isin(NEW, CHANGED)).select("path", "modificationTime", "length");
    }

    long todoCount() {
        return todoCount;
    }

    /**
     * Whether the run would change nothing: no file to compress, no row to drop, and the error
     * rows of inputs outside the listing (the walk's issues) the same as before.
     *
     * @param issueIds ids of this run's walk issues
     */
    boolean upToDate(Set<String> issueIds) {
        return todoCount == 0 && replaced == 0 && !(prune && removed > 0) && issueIds.equals(goneErrors);
    }

    /** Old error rows of files that are still there unchanged: they stay in the table. */
    List<Row> carriedErrors() {
        return carriedErrors;
    }

    /**
     * Carries the part files of the old factor table that hold no dropped row into the staged
     * output, and returns the rows to keep from the others, for the caller to write; null when
     * there are none.
     */
    Dataset<Row> carry(OutputFolder output) throws IOException {
        FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
        int carried = 0;
        List<String> rewritten = new ArrayList<>();
        for (FileStatus f : fs.listStatus(new Path(target, OutputFolder.FACTORS))) {
            String name = f.getPath().getName();
            if (!f.isFile() || name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            if (rewrite.contains(f.getPath().toUri().getPath())) {
                rewritten.add(f.getPath().toString());
            } else {
                output.carry(f.getPath());
                carried++;
            }
        }
        LOG.info("Carried {} part file(s) over unchanged; rewriting {} without their dropped rows", carried,
                rewrite.size());
        if (rewritten.isEmpty()) {
            return null;
        }
        return spark.read().schema(FactorRows.FACTORS).parquet(rewritten.toArray(new String[0]))
                .join(dropped.select(FactorFormat.ID), FactorFormat.ID, "left_anti");
    }

    /**
     * The statistics of the whole staged table: one pass over its statistics columns, and the
     * error rows.
     */
    Tally tally(String stagedFactors, List<Row> errors) {
        Tally tally = new Tally();
        spark.sparkContext().register(tally);
        spark.read().schema(FactorRows.FACTORS).parquet(stagedFactors)
                .select(FactorFormat.SOURCE_BYTES, FactorFormat.PARAMETERS, FactorFormat.RATIO, FactorFormat.PSNR_DB)
                .foreachPartition(new AddToTally(tally));
        Tally all = tally.copy();
        for (Row e : errors) {
            all.add(Tally.Image.failed(e.getLong(2)));
        }
        return all;
    }

    /** The manifest's {@code incremental} section. */
    Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("previous_run", manifest.path("created").asText());
        m.put("skipped", skipped);
        m.put("compressed", todoCount);
        m.put("replaced", replaced);
        m.put("removed", removed);
        m.put("removed_rows", prune ? "dropped" : "kept");
        m.put("removed_examples", removedExamples);
        return m;
    }

    /** Rows of files no longer in the input that stay in the table. */
    long keptRemoved() {
        return prune ? 0 : removed;
    }

    /** The existing manifest, for a run that changes nothing. */
    JsonNode previousManifest() {
        return manifest;
    }

    void release() {
        if (comparison != null) {
            comparison.unpersist();
        }
    }

    /** The decoded path of a file URI as Spark names input files. */
    private static String pathOf(String uri) {
        return java.net.URI.create(uri).getPath();
    }

    /** One table of the existing output, read with its known schema (no footers to infer it from). */
    private Dataset<Row> table(String name, org.apache.spark.sql.types.StructType schema) {
        return spark.read().schema(schema).parquet(folder(name));
    }

    private String folder(String name) {
        return new Path(target, name).toString();
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
