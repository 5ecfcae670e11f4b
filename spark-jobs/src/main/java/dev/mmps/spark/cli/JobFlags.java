package dev.mmps.spark.cli;

import dev.mmps.settings.ValidationException;
import dev.mmps.spark.config.JobConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the job commands check before Spark starts: local paths. */
final class JobFlags {

    private JobFlags() {}

    /**
     * Local inputs must exist and local outputs must not, checked without starting Spark.
     *
     * @param incremental whether the command can add to an existing output (and so may suggest it)
     */
    static void checkLocalPaths(JobConfig job, boolean incremental) {
        Path in = localPath(job.input());
        ValidationException.check(in == null || Files.exists(in), "input " + job.input()
                + " does not exist; pass an image folder or IDX files to --input");
        Path out = localPath(job.output());
        ValidationException.check(out == null || !Files.exists(out) || job.overwrite() || job.incremental(), "output "
                + job.output() + " already exists; choose another folder, "
                + (incremental ? "pass --incremental to add new images to it, " : "") + "or --overwrite to replace it");
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
}
