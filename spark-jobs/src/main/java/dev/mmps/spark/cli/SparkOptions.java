package dev.mmps.spark.cli;

import dev.mmps.settings.ValidationException;
import java.io.File;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options every Spark job command takes: where Spark runs, the config file, and --overwrite. */
final class SparkOptions {

    @Option(names = "--master", paramLabel = "URL", descriptionKey = "spark.master", description = "Spark master "
            + "(local[*] runs in-process).")
    String master;

    @Option(names = "--local-cores", paramLabel = "N", description = "Shorthand for --master local[N].")
    Integer localCores;

    @Option(names = "--partitions", paramLabel = "N", descriptionKey = "spark.partitions", description = "Partitions "
            + "of the job's main stage (0: about four per core).")
    Integer partitions;

    @Option(names = "--config", paramLabel = "FILE", description = "A config file overlaying conf/reference.conf.")
    File config;

    @Option(names = "--overwrite", descriptionKey = "overwrite", description = "Replace an existing output folder.")
    boolean overwrite;

    /** Whether the user named a master here; otherwise a master set by spark-submit wins over the default. */
    boolean masterGiven(CommandLine.Model.CommandSpec command) {
        return command.commandLine().getParseResult().hasMatchedOption("--master") || localCores != null;
    }

    /** The settings the command's matched options give, {@code --local-cores} as the master it stands for. */
    Map<String, Object> overrides(CommandLine.Model.CommandSpec command) {
        Map<String, Object> o = SettingOptions.overrides(command.commandLine().getParseResult());
        if (localCores != null) {
            ValidationException.check(localCores >= 1, "--local-cores " + localCores + " is invalid: use 1 or more");
            ValidationException.check(!command.commandLine().getParseResult().hasMatchedOption("--master"),
                    "both --master and --local-cores are given; pass one of them");
            o.put("spark.master", "local[" + localCores + "]");
        }
        return o;
    }
}
