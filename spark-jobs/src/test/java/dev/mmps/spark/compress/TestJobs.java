package dev.mmps.spark.compress;

import dev.mmps.spark.SparkTestSession;
import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.table.TableManifest;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs the compress job in the tests' SparkSession, as {@code bin/mmps compress} would. */
final class TestJobs {

    private TestJobs() {}

    /**
     * @param settings configuration keys (without {@code mmps.}) over the reference defaults
     * @return the run's manifest
     */
    static TableManifest compress(Path input, Path output, Map<String, Object> settings) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("input", input.toString());
        o.put("output", output.toString());
        o.put("progress-interval-seconds", 60);
        o.putAll(settings);
        return new CompressJob(SparkTestSession.get(), ConfigLoader.load(null, o)).run();
    }
}
