package dev.mmps.spark.cli;

import dev.mmps.spark.config.JobConfig;
import dev.mmps.spark.sink.TableFormat;
import org.apache.spark.sql.SparkSession;

/** Builds the SparkSession a command runs on. */
final class Sessions {

    private Sessions() {}

    /**
     * The session a command runs on, and whether the command started it (and so must stop it);
     * a session already running in this JVM (a notebook's, a test's) is used and left running.
     */
    record Handle(SparkSession session, boolean owned) implements AutoCloseable {
        @Override
        public void close() {
            if (owned) {
                session.stop();
            }
        }
    }

    /**
     * @param masterGiven whether the user named a master on the command line; otherwise a master
     *     set by spark-submit wins over the configured default
     */
    static Handle open(JobConfig.SparkSettings settings, boolean masterGiven) {
        var running = SparkSession.getActiveSession();
        if (running.isDefined()) {
            return new Handle(running.get(), false);
        }
        var existing = SparkSession.getDefaultSession();
        if (existing.isDefined()) {
            return new Handle(existing.get(), false);
        }
        return new Handle(create(settings, masterGiven), true);
    }

    private static SparkSession create(JobConfig.SparkSettings settings, boolean masterGiven) {
        SparkSession.Builder builder = SparkSession.builder().appName(settings.appName())
                .config("spark.ui.enabled", settings.ui())
                .config("spark.sql.adaptive.enabled", true)
                .config("spark.sql.debug.maxToStringFields", 200);
        if (TableFormat.deltaAvailable()) {
            // Delta's MERGE and time travel need its extension and catalog; other tables are unaffected.
            builder.config("spark.sql.extensions", TableFormat.DELTA_EXTENSION)
                    .config("spark.sql.catalog.spark_catalog", TableFormat.DELTA_CATALOG);
        }
        if (masterGiven || System.getProperty("spark.master") == null) {
            builder.master(settings.master());
        }
        return builder.getOrCreate();
    }
}
