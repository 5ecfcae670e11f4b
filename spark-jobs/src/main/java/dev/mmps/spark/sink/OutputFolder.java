package dev.mmps.spark.sink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The output folder of a compress run: {@code factors/}, {@code errors/} and
 * {@code manifest.json}. Everything is written to a staging folder beside the output and moved
 * into place by one rename at the end, so an interrupted run never leaves an output that looks
 * complete; an existing output is replaced only with {@code --overwrite}, and only after the new
 * one is complete.
 */
public final class OutputFolder {

    public static final String FACTORS = "factors";
    public static final String ERRORS = "errors";
    public static final String MANIFEST = "manifest.json";
    /** The input listing, kept in the staging folder while the job runs. */
    public static final String LISTING = "_listing/inputs.tsv";

    private final FileSystem fs;
    private final Path target;
    private final Path staging;

    private OutputFolder(FileSystem fs, Path target, Path staging) {
        this.fs = fs;
        this.target = target;
        this.staging = staging;
    }

    /**
     * @throws IllegalArgumentException if the output exists and {@code overwrite} is off
     */
    public static OutputFolder prepare(String output, boolean overwrite, Configuration conf) {
        try {
            Path path = new Path(output);
            FileSystem fs = path.getFileSystem(conf);
            Path target = fs.makeQualified(path);
            if (fs.exists(target) && !overwrite) {
                throw new IllegalArgumentException("output " + output
                        + " already exists; choose another folder or pass --overwrite to replace it");
            }
            Path staging = new Path(target.getParent(), "." + target.getName() + ".staging-" + UUID.randomUUID());
            return new OutputFolder(fs, target, staging);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare output " + output + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code output} exists; for checks before Spark starts. */
    public static boolean exists(String output, Configuration conf) throws IOException {
        Path path = new Path(output);
        return path.getFileSystem(conf).exists(path);
    }

    public Path target() {
        return target;
    }

    public String staged(String name) {
        return stagedPath(name).toString();
    }

    public Path stagedPath(String name) {
        return new Path(staging, name);
    }

    /** Removes a staged file and, if it leaves it empty, its folder. */
    public void deleteStaged(String name) throws IOException {
        Path path = stagedPath(name);
        fs.delete(path, false);
        Path parent = path.getParent();
        if (!parent.equals(staging) && fs.exists(parent) && fs.listStatus(parent).length == 0) {
            fs.delete(parent, false);
        }
    }

    /** Total bytes of the files under a staged folder (the Parquet parts, not Spark's markers). */
    public long stagedBytes(String name) throws IOException {
        long total = 0;
        Path folder = new Path(staging, name);
        if (!fs.exists(folder)) {
            return 0;
        }
        for (FileStatus f : fs.listStatus(folder)) {
            String n = f.getPath().getName();
            if (f.isFile() && !n.startsWith("_") && !n.startsWith(".")) {
                total += f.getLen();
            }
        }
        return total;
    }

    public void writeStaged(String name, byte[] content) throws IOException {
        try (var out = fs.create(new Path(staging, name), true)) {
            out.write(content);
        }
    }

    /** Moves the staged output into place, replacing an existing one (checked in {@link #prepare}). */
    public void commit() throws IOException {
        if (fs.exists(target)) {
            Path old = new Path(target.getParent(), "." + target.getName() + ".replaced-" + UUID.randomUUID());
            rename(target, old);
            rename(staging, target);
            fs.delete(old, true);
        } else {
            rename(staging, target);
        }
    }

    /** Removes the staging folder after a failure. */
    public void abandon() {
        try {
            fs.delete(staging, true);
        } catch (IOException ignored) {
            // Best effort: a left-over hidden staging folder is never taken for an output.
        }
    }

    private void rename(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("could not move " + from + " to " + to);
        }
    }
}
