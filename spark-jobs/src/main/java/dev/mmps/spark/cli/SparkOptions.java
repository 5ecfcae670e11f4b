package dev.mmps.spark.cli;

import java.io.File;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every Spark job command takes: where Spark runs, the config file, and --overwrite. */
final class SparkOptions {

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default local[*], in-process).")
    String master;

    @Option(names = "--local-cores", paramLabel = "N", description = "Shorthand for --master local[N].")
    String localCores;

    @Option(names = "--partitions", paramLabel = "N", description = "Partitions of the job's main stage (default: "
            + "about four per core).")
    String partitions;

    @Option(names = "--config", paramLabel = "FILE", description = "A config file overlaying conf/reference.conf.")
    File config;

    @Option(names = "--overwrite", description = "Replace an existing output folder.")
    boolean overwrite;

    /** Whether the user named a master here; otherwise a master set by spark-submit wins over the default. */
    boolean masterGiven() {
        return master != null || localCores != null;
    }

    /** Adds these options' settings to a command's overrides. */
    void put(Map<String, Object> o) {
        if (localCores != null) {
            Integer cores = JobFlags.integer("--local-cores", localCores);
            if (cores < 1) {
                throw new IllegalArgumentException("--local-cores " + cores + " is invalid: use 1 or more");
            }
            o.put("spark.master", "local[" + cores + "]");
        }
        JobFlags.put(o, "spark.master", master);
        JobFlags.put(o, "spark.partitions", JobFlags.integer("--partitions", partitions));
        if (overwrite) {
            o.put("overwrite", true);
        }
    }
}
