package dev.mmps.spark.cli;

import dev.mmps.spark.config.JobConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** What the job commands do with their flags before Spark starts: parse numbers, collect overrides, check paths. */
final class JobFlags {

    private JobFlags() {}

    /**
     * Local inputs must exist and local outputs must not, checked without starting Spark.
     *
     * @param incremental whether the command can add to an existing output (and so may suggest it)
     */
    static void checkLocalPaths(JobConfig job, boolean incremental) {
        Path in = localPath(job.input());
        if (in != null && !Files.exists(in)) {
            throw new IllegalArgumentException("input " + job.input()
                    + " does not exist; pass an image folder or IDX files to --input");
        }
        Path out = localPath(job.output());
        if (out != null && Files.exists(out) && !job.overwrite() && !job.incremental()) {
            throw new IllegalArgumentException("output " + job.output() + " already exists; choose another folder, "
                    + (incremental ? "pass --incremental to add new images to it, " : "") + "or --overwrite to replace it");
        }
    }

    /** The local path of a plain path or file: URI, or null for other file systems. */
    static Path localPath(String location) {
        try {
            URI uri = new URI(location);
            if (uri.getScheme() == null) {
                return Path.of(location);
            }
            return "file".equals(uri.getScheme()) ? Path.of(uri) : null;
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            return Path.of(location);
        }
    }

    static void put(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    static Double number(String flag, String text) {
        if (text == null) {
            return null;
        }
        try {
            return Double.valueOf(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " '" + text + "' is not a number; pass a decimal such as 0.3");
        }
    }

    static Integer integer(String flag, String text) {
        if (text == null) {
            return null;
        }
        try {
            return Integer.valueOf(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " '" + text + "' is not a whole number; pass one such as 2");
        }
    }
}
