package dev.mmps.spark.cli;

import dev.mmps.table.FactorTableReader;
import dev.mmps.table.ManifestFiles;
import dev.mmps.table.TableManifest;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mmps inspect}: what an output holds, from its manifest, checked against the Parquet
 * footers (no Spark, so it answers in about a second): the factor table must hold the manifest's
 * images, the error table its failures, and together they must account for every input.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Counts, ratio and PSNR statistics, stored against input bytes, and the config of an output.")
public final class InspectCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH", description = "An output folder of mmps compress.")
    String path;

    @Option(names = "--json", description = "Print one JSON object instead of the summary.")
    boolean json;

    @Option(names = "--table-version", paramLabel = "N", description = "Of an output written as Delta tables: the factor "
            + "table's version to inspect (default: the newest).")
    Long version;

    @Override
    public Integer call() {
        Configuration conf = new Configuration();
        TableManifest manifest = ManifestFiles.readTable(path, version, conf);
        long factorRows = FactorTableReader.count(FactorTableReader.parts(path, version, conf), conf);
        long errorRows = FactorTableReader.count(FactorTableReader.errorParts(path, version, conf), conf);
        TableManifest.Counts counts = manifest.counts();
        boolean consistent = reconcile(counts, factorRows, errorRows, spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            TableManifest.Stats stats = manifest.stats();
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("images", counts.images());
            j.put("failed", counts.failed());
            j.put("inputs", counts.inputs());
            j.put("factor_rows", factorRows);
            j.put("error_rows", errorRows);
            j.put("mean_ratio", stats.meanRatio());
            j.put("mean_psnr_db", stats.meanPsnrDb());
            j.put("exact_images", stats.exactImages());
            j.put("ratio_percentiles", stats.ratioPercentiles());
            j.put("psnr_db_percentiles", stats.psnrDbPercentiles());
            j.put("stored_bytes", manifest.totals().storedBytes());
            j.put("stored_bytes_per_image", manifest.totals().storedBytesPerImage());
            j.put("input_bytes", manifest.totals().inputBytes());
            j.put("codec", manifest.codec());
            j.put("precision", manifest.compression().precision());
            j.put("layout_search", manifest.compression().layoutSearch());
            j.put("schema_version", manifest.schemaVersion());
            j.put("mmps_version", manifest.mmpsVersion());
            j.put("config", manifest.config());
            if (manifest.delta() != null) {
                j.put("delta_version", manifest.delta().version());
                j.put("delta_errors_version", manifest.delta().errorsVersion());
            }
            out.println(ManifestFiles.toJsonString(j).replaceAll("\\s*\\n\\s*", " "));
        } else {
            Summary.print(manifest, out);
        }
        out.flush();
        return consistent ? Main.OK : Main.FAILED;
    }

    /**
     * Whether the tables hold what the manifest counts ({@code docs/FORMAT.md}: {@code inputs = rows(factors)
     * + rows(errors)}); prints each disagreement.
     */
    private static boolean reconcile(TableManifest.Counts counts, long factorRows, long errorRows, PrintWriter err) {
        boolean ok = true;
        if (factorRows != counts.images()) {
            err.println("inspect: the factor table holds " + factorRows + " rows but the manifest counts "
                    + counts.images() + " images; the output was changed after it was written");
            ok = false;
        }
        if (errorRows != counts.failed()) {
            err.println("inspect: the error table holds " + errorRows + " rows but the manifest counts "
                    + counts.failed() + " failed inputs; the output was changed after it was written");
            ok = false;
        }
        if (factorRows + errorRows != counts.inputs()) {
            err.println("inspect: the factor and error tables hold " + (factorRows + errorRows) + " rows but the "
                    + "manifest counts " + counts.inputs() + " inputs; every input must be a factor row or an error "
                    + "row: compress the images again");
            ok = false;
        }
        return ok;
    }
}
