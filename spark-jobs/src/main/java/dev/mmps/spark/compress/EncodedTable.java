package dev.mmps.spark.compress;

import static org.apache.spark.sql.functions.col;

import dev.mmps.spark.config.JobConfig;
import dev.mmps.spark.sink.DeltaOutput;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.spark.sink.Manifest;
import dev.mmps.spark.sink.OutputFolder;
import dev.mmps.spark.sink.TableFormat;
import dev.mmps.table.FactorFormat;
import dev.mmps.table.ManifestFiles;
import dev.mmps.table.TableManifest;
import dev.mmps.tensor.codec.RankProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rows compressed outside the compress job (by the pipeline stage: the factor table's columns and an error
 * struct) written as an mmps output folder like the job's: {@code factors/}, {@code errors/} and
 * {@code manifest.json}, staged and committed by one rename. The rows are computed once: written whole to the
 * staging folder, then split into the two tables (an output of Delta tables keeps the whole rows staged until
 * both tables are committed).
 */
public final class EncodedTable {

    private static final Logger LOG = LoggerFactory.getLogger(EncodedTable.class);
    private static final String ENCODED = "encoded";

    /** What the rows were made with, for the manifest. */
    public record Made(JobConfig job, TableManifest.Input input, int stages, RankProfile profile,
            TableManifest.LayoutSearchEntry search) {}

    private EncodedTable() {}

    /**
     * @param encoded the factor table's columns, then {@code errorCol}: null for a compressed row, else a struct
     *     {@code step, reason}
     * @param overwrite whether an existing output may be replaced
     * @return the manifest written
     * @throws dev.mmps.settings.ValidationException if the output exists and may not be replaced
     */
    public static TableManifest write(SparkSession spark, Dataset<Row> encoded, String errorCol, String output,
            boolean overwrite, Made made) {
        long start = System.nanoTime();
        int rowGroupMb = made.job().rowGroupMb();
        TableFormat format = made.job().tableFormat();
        if (format == TableFormat.DELTA) {
            DeltaOutput.checkSession(spark);
        }
        return OutputFolder.prepare(output, overwrite, format, spark.sparkContext().hadoopConfiguration()).run(folder -> {
            String all = folder.staged(ENCODED);
            CompressJob.write(encoded, all, false, rowGroupMb);
            Dataset<Row> rows = spark.read().parquet(all);
            Column[] factorColumns = columns(FactorRows.FACTORS.fieldNames());
            Dataset<Row> factors = spark.createDataFrame(rows.where(col(errorCol).isNull()).select(factorColumns)
                    .javaRDD(), FactorRows.FACTORS);
            CompressJob.write(factors, folder.staged(OutputFolder.FACTORS), false, rowGroupMb);
            List<Column> errorColumns = new ArrayList<>(List.of(columns(java.util.Arrays.copyOf(
                    FactorRows.FACTORS.fieldNames(), FactorRows.IDENTITY_COLUMNS))));
            errorColumns.add(col(errorCol + "." + FactorFormat.ERROR_STEP));
            errorColumns.add(col(errorCol + "." + FactorFormat.ERROR_REASON));
            Dataset<Row> errorRows = CompressJob.errorTable(spark.createDataFrame(rows.where(col(errorCol).isNotNull())
                    .select(errorColumns.toArray(Column[]::new)).javaRDD(), FactorRows.ERRORS));
            if (format == TableFormat.PARQUET) {
                CompressJob.write(errorRows, folder.staged(OutputFolder.ERRORS), false, rowGroupMb);
                errorRows = spark.read().schema(FactorRows.ERRORS).parquet(folder.staged(OutputFolder.ERRORS));
                folder.deleteStaged(ENCODED);
            }
            Dataset<Row> staged = spark.read().schema(FactorRows.FACTORS).parquet(folder.staged(OutputFolder.FACTORS));
            Tally tally = IncrementalRun.tally(spark, staged, errorRows);
            long inputs = tally.images() + tally.failed();
            TableManifest manifest = CompressJob.manifest(made.job(), made.input(), made.stages(), made.profile(),
                    made.search(), inputs, inputs, tally, Manifest.errorExamples(errorRows), folder, start);
            if (format == TableFormat.DELTA) {
                long errorsVersion = DeltaOutput.commitErrors(spark, folder.target(), errorRows, rowGroupMb);
                DeltaOutput.replaceFactors(spark, folder.target(), staged,
                        manifest.withDelta(new TableManifest.Delta(null, errorsVersion)), rowGroupMb);
                manifest = DeltaOutput.writeManifestCopy(folder.target(), spark.sparkContext().hadoopConfiguration());
                folder.abandon();
            } else {
                folder.writeStaged(OutputFolder.MANIFEST, ManifestFiles.toJson(manifest));
                folder.commit();
            }
            LOG.info("Wrote {} factor row(s) and {} error row(s) to {} in {} s", tally.images(), tally.failed(), output,
                    String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
            return manifest;
        });
    }

    private static Column[] columns(String[] names) {
        return java.util.Arrays.stream(names).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    }
}
