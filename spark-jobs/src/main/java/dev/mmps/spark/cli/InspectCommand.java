package dev.mmps.spark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmps.spark.sink.Manifest;
import dev.mmps.table.FactorTableReader;
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
 * footers (no Spark, so it answers in about a second).
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

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() {
        Configuration conf = new Configuration();
        JsonNode manifest = Manifest.read(path, conf);
        Map<String, Object> m = new ObjectMapper().convertValue(manifest, Map.class);
        long rows = FactorTableReader.count(FactorTableReader.parts(path, conf), conf);
        Map<String, Object> counts = (Map<String, Object>) m.get("counts");
        long images = ((Number) counts.get("images")).longValue();
        PrintWriter out = spec.commandLine().getOut();
        if (rows != images) {
            spec.commandLine().getErr().println("inspect: the factor table holds " + rows + " rows but the manifest "
                    + "counts " + images + " images; the output was changed after it was written");
        }
        if (json) {
            Map<String, Object> totals = (Map<String, Object>) m.get("totals");
            Map<String, Object> stats = (Map<String, Object>) m.get("stats");
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("images", images);
            j.put("failed", counts.get("failed"));
            j.put("inputs", counts.get("inputs"));
            j.put("factor_rows", rows);
            j.put("mean_ratio", stats.get("mean_ratio"));
            j.put("mean_psnr_db", stats.get("mean_psnr_db"));
            j.put("exact_images", stats.get("exact_images"));
            j.put("ratio_percentiles", stats.get("ratio_percentiles"));
            j.put("psnr_db_percentiles", stats.get("psnr_db_percentiles"));
            j.put("stored_bytes", totals.get("stored_bytes"));
            j.put("stored_bytes_per_image", images == 0 ? 0.0 : ((Number) totals.get("stored_bytes")).doubleValue() / images);
            j.put("input_bytes", totals.get("input_bytes"));
            Map<String, Object> compression = (Map<String, Object>) m.get("compression");
            j.put("codec", compression.getOrDefault("codec", "mmps"));
            j.put("precision", compression.getOrDefault("precision", "fp32"));
            j.put("schema_version", m.get("schema_version"));
            j.put("mmps_version", m.get("mmps_version"));
            j.put("config", m.get("config"));
            out.println(Manifest.toJsonString(j).replaceAll("\\s*\\n\\s*", " "));
        } else {
            Summary.print(m, out);
        }
        out.flush();
        return rows == images ? Main.OK : Main.FAILED;
    }
}
