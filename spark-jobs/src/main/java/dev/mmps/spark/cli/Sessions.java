package dev.mmps.spark.cli;

import dev.mmps.spark.config.JobConfig;
import org.apache.spark.sql.SparkSession;

/** Builds the SparkSession a command runs on. */
final class Sessions {

    private Sessions() {}

    /**
     * @param masterGiven whether the user named a master on the command line; otherwise a master
     *     set by spark-submit wins over the configured default
     */
    static SparkSession create(JobConfig.SparkSettings settings, boolean masterGiven) {
        SparkSession.Builder builder = SparkSession.builder().appName(settings.appName())
                .config("spark.ui.enabled", settings.ui())
                .config("spark.sql.adaptive.enabled", true)
                .config("spark.sql.debug.maxToStringFields", 200);
        if (masterGiven || System.getProperty("spark.master") == null) {
            builder.master(settings.master());
        }
        return builder.getOrCreate();
    }
}
