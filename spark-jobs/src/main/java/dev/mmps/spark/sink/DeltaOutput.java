package dev.mmps.spark.sink;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.mmps.settings.ValidationException;
import dev.mmps.table.DeltaSnapshot;
import dev.mmps.table.FactorFormat;
import dev.mmps.table.ManifestFiles;
import dev.mmps.table.TableManifest;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;

/**
 * Commits a run into an output whose {@code factors/} and {@code errors/} are Delta tables
 * ({@code output-format.table = delta}). The run's rows are computed and checked in the staging folder as
 * for a Parquet output; then the error table gets a new version (replaced whole: error rows are few and
 * all on the driver), then the factor table gets one (replaced by a full run, a MERGE on {@code id} for an
 * incremental one) whose commit carries the manifest, with the error table's version in it. The factor
 * table's commit is the run's: until it lands, every reader sees the previous version whole, and a rerun
 * starts from it. {@code manifest.json} is rewritten after the commit as a copy for people and tools.
 */
public final class DeltaOutput {

    /** Delta records this session setting as the next commits' {@code commitInfo.userMetadata}. */
    private static final String USER_METADATA = "spark.databricks.delta.commitInfo.userMetadata";
    private static final String EXTENSIONS = "spark.sql.extensions";
    private static final String CATALOG = "spark.sql.catalog.spark_catalog";
    /** A column of the MERGE's source that marks the ids whose rows leave the table. */
    private static final String DROP = "_mmps_drop";

    private DeltaOutput() {}

    /**
     * The session settings Delta needs, before any work.
     *
     * @throws ValidationException if the session was started without them (a spark-submit without Delta's
     *     settings)
     */
    public static void checkSession(SparkSession spark) {
        ValidationException.check(TableFormat.deltaAvailable(), "output-format.table=delta, but Delta is not on the "
                + "classpath; add --packages io.delta:delta-spark_2.13:4.0.0 to spark-submit");
        String extensions = spark.conf().get(EXTENSIONS, "");
        String catalog = spark.conf().get(CATALOG, "");
        ValidationException.check(extensions.contains(TableFormat.DELTA_EXTENSION)
                && TableFormat.DELTA_CATALOG.equals(catalog), "output-format.table=delta needs a session started with "
                + "--conf " + EXTENSIONS + "=" + TableFormat.DELTA_EXTENSION + " --conf " + CATALOG + "="
                + TableFormat.DELTA_CATALOG + " (this session has " + EXTENSIONS + "='" + extensions + "', " + CATALOG
                + "='" + catalog + "'); add them to spark-submit");
    }

    /**
     * Whether the output folder holds an mmps output written as Delta tables (its factor table's commits
     * carry mmps manifests).
     */
    public static boolean isMmpsDelta(Path target, Configuration conf) {
        Path factors = new Path(target, OutputFolder.FACTORS);
        if (!DeltaSnapshot.isDelta(factors, conf)) {
            return false;
        }
        try {
            return ManifestFiles.readTable(target.toString(), conf).delta() != null;
        } catch (ValidationException e) {
            return false;
        }
    }

    /**
     * Replaces the error table's rows with {@code errors}, in one commit.
     *
     * @return the error table's new version
     */
    public static long commitErrors(SparkSession spark, Path target, Dataset<Row> errors, int rowGroupMb) {
        Path table = new Path(target, OutputFolder.ERRORS);
        withWriteSettings(spark, rowGroupMb, null, () -> {
            errors.write().format("delta").mode(SaveMode.Overwrite).save(table.toString());
            return null;
        });
        return DeltaSnapshot.newestVersion(table, spark.sparkContext().hadoopConfiguration());
    }

    /** Replaces the factor table's rows with {@code rows}, in one commit carrying {@code manifest}. */
    public static void replaceFactors(SparkSession spark, Path target, Dataset<Row> rows, TableManifest manifest,
            int rowGroupMb) {
        String table = new Path(target, OutputFolder.FACTORS).toString();
        withWriteSettings(spark, rowGroupMb, manifest, () -> {
            rows.write().format("delta").mode(SaveMode.Overwrite).save(table);
            return null;
        });
    }

    /**
     * Merges {@code rows} into the factor table on {@code id}, in one commit carrying {@code manifest}: a row
     * whose id is in the table replaces it, a new id is inserted, and the rows of {@code dropIds} that
     * {@code rows} do not replace leave the table (files changed or gone from the input).
     *
     * @param dropIds one column, {@code id}
     */
    public static void mergeFactors(SparkSession spark, Path target, Dataset<Row> rows, Dataset<Row> dropIds,
            TableManifest manifest, int rowGroupMb) {
        DeltaTable table = DeltaTable.forPath(spark, new Path(target, OutputFolder.FACTORS).toString());
        List<Column> tombstone = new ArrayList<>();
        for (StructField f : rows.schema().fields()) {
            tombstone.add(f.name().equals(FactorFormat.ID) ? col(f.name()) : lit(null).cast(f.dataType()).as(f.name()));
        }
        tombstone.add(lit(true).as(DROP));
        Dataset<Row> source = rows.withColumn(DROP, lit(false)).unionByName(dropIds.select(FactorFormat.ID)
                .join(rows.select(FactorFormat.ID), FactorFormat.ID, "left_anti")
                .select(tombstone.toArray(Column[]::new)));
        Map<String, Column> values = new LinkedHashMap<>();
        for (String c : rows.columns()) {
            values.put(c, col("s." + c));
        }
        withWriteSettings(spark, rowGroupMb, manifest, () -> {
            table.as("t").merge(source.as("s"), col("t." + FactorFormat.ID).equalTo(col("s." + FactorFormat.ID)))
                    .whenMatched(col("s." + DROP)).delete()
                    .whenMatched().update(values)
                    .whenNotMatched(col("s." + DROP).equalTo(false)).insert(values)
                    .execute();
            return null;
        });
    }

    /**
     * Writes {@code manifest.json} beside the tables: a copy of the manifest the factor table's newest commit
     * carries, with the versions and bytes read back from the logs. Written to a hidden file and renamed, so
     * the copy is never half written.
     */
    public static TableManifest writeManifestCopy(Path target, Configuration conf) throws IOException {
        TableManifest committed = ManifestFiles.readTable(target.toString(), conf);
        FileSystem fs = target.getFileSystem(conf);
        Path file = new Path(target, OutputFolder.MANIFEST);
        Path temporary = new Path(target, "." + OutputFolder.MANIFEST + ".writing");
        try (var out = fs.create(temporary, true)) {
            out.write(ManifestFiles.toJson(committed));
        }
        fs.delete(file, false);
        if (!fs.rename(temporary, file)) {
            throw new IOException("could not move " + temporary + " to " + file);
        }
        return committed;
    }

    /**
     * Runs a Delta write with the factor table's Parquet settings (zstd, row groups of {@code rowGroupMb}, no
     * dictionary for core blobs) and, when given, the manifest as the commit's user metadata; the session's
     * own values come back afterwards. Delta's writer takes these from the session, not from write options.
     */
    private static <T> T withWriteSettings(SparkSession spark, int rowGroupMb, TableManifest manifest,
            Supplier<T> write) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("spark.sql.parquet.compression.codec", "zstd");
        settings.put("parquet.block.size", Long.toString((long) rowGroupMb << 20));
        settings.put("parquet.enable.dictionary#" + FactorFormat.STAGES + ".list.element." + FactorFormat.CORES
                + ".list.element", "false");
        if (manifest != null) {
            settings.put(USER_METADATA, new String(ManifestFiles.toJson(manifest),
                    java.nio.charset.StandardCharsets.UTF_8));
        }
        var conf = spark.conf();
        Map<String, String> previous = new LinkedHashMap<>();
        settings.forEach((k, v) -> {
            previous.put(k, conf.contains(k) ? conf.get(k) : null);
            conf.set(k, v);
        });
        try {
            return write.get();
        } finally {
            previous.forEach((k, v) -> {
                if (v == null) {
                    conf.unset(k);
                } else {
                    conf.set(k, v);
                }
            });
        }
    }
}
