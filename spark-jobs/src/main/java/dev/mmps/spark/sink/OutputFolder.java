package dev.mmps.spark.sink;

import dev.mmps.settings.ValidationException;
import dev.mmps.table.DeltaSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The output folder of a compress run: {@code factors/}, {@code errors/} and
 * {@code manifest.json}. Everything is written to a staging folder beside the output and moved
 * into place by one rename at the end, so an interrupted run never leaves an output that looks
 * complete; an existing output is replaced only with {@code --overwrite}, and only after the new
 * one is complete. An output of Delta tables stages its rows here too and commits them through the
 * tables' logs instead ({@link DeltaOutput}).
 */
public final class OutputFolder {

    public static final String FACTORS = dev.mmps.table.FactorTableReader.FACTORS;
    public static final String ERRORS = dev.mmps.table.FactorTableReader.ERRORS;
    public static final String MANIFEST = dev.mmps.table.ManifestFiles.NAME;
    private static final Logger LOG = LoggerFactory.getLogger(OutputFolder.class);
    private static final String STAGING = ".staging-";
    private static final String REPLACED = ".replaced-";

    /** The input listing, kept in the staging folder while the job runs. */
    public static final String LISTING = "_listing/inputs.tsv";

    /** The error rows the tasks write ({@link ErrorParts}), kept in the staging folder while the job runs. */
    public static final String ERROR_PARTS = "error-parts";

    private final FileSystem fs;
    private final Path target;
    private final Path staging;

    private OutputFolder(FileSystem fs, Path target, Path staging) {
        this.fs = fs;
        this.target = target;
        this.staging = staging;
    }

    /**
     * Prepares to write {@code output}: removes what interrupted runs left beside it (staging
     * folders, and a previous output moved aside by a commit that did not finish, which is put
     * back), and refuses an existing output unless it may be replaced or added to, in the format asked for.
     *
     * @param replaceable whether an existing output may be replaced ({@code --overwrite}) or added
     *     to ({@code --incremental})
     * @throws ValidationException if the output exists and may not be replaced, holds a Delta table that mmps
     *     did not write, or holds tables of the other format
     */
    public static OutputFolder prepare(String output, boolean replaceable, TableFormat format, Configuration conf) {
        try {
            Path path = new Path(output);
            FileSystem fs = path.getFileSystem(conf);
            Path target = fs.makeQualified(path);
            recover(fs, target);
            boolean exists = fs.exists(target);
            if (exists) {
                checkExisting(fs, output, target, format, conf);
            }
            if (exists && !replaceable) {
                throw new ValidationException("output " + output + " already exists; choose another folder, pass "
                        + "--incremental to add new images to it, or --overwrite to replace it");
            }
            Path staging = new Path(target.getParent(), "." + target.getName() + STAGING + UUID.randomUUID());
            return new OutputFolder(fs, target, staging);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare output " + output + ": " + e.getMessage(), e);
        }
    }

    /**
     * An existing output may be replaced or added to only by a run of its own format: a Delta output's files
     * are not replaced by a rename, and Delta tables written into a Parquet output's folders would leave its
     * files beside them. Delta tables that mmps did not write are never touched.
     */
    private static void checkExisting(FileSystem fs, String output, Path target, TableFormat format, Configuration conf)
            throws IOException {
        Path factors = new Path(target, FACTORS);
        boolean foreign = fs.exists(new Path(target, DeltaSnapshot.LOG))
                || (fs.exists(new Path(factors, DeltaSnapshot.LOG)) && !DeltaOutput.isMmpsDelta(target, conf));
        if (foreign) {
            throw new ValidationException("output " + output + " holds a Delta table that mmps did not write, which "
                    + "mmps does not replace, even with --overwrite; choose another folder for the output");
        }
        boolean delta = fs.exists(new Path(factors, DeltaSnapshot.LOG));
        if (delta && format != TableFormat.DELTA) {
            throw new ValidationException("output " + output + " holds mmps Delta tables; pass --table-format delta to "
                    + "replace or add to them, or choose another folder for a Parquet output");
        }
        if (!delta && format == TableFormat.DELTA) {
            throw new ValidationException("output " + output + " exists and is not an mmps output written as Delta "
                    + "tables; --table-format delta replaces or adds to those only: choose another folder, or remove "
                    + "this one first");
        }
    }

    /**
     * Cleans up after runs that stopped before their commit: a staging folder is never taken for
     * an output, so it is removed; an output moved aside by a commit that stopped between its two
     * renames is moved back. Two runs writing the same output at the same time are not supported.
     */
    private static void recover(FileSystem fs, Path target) throws IOException {
        Path parent = target.getParent();
        if (parent == null || !fs.exists(parent)) {
            return;
        }
        if (interruptedFirstDeltaRun(fs, target)) {
            LOG.warn("Removing {}: a first run of Delta tables stopped after its error table's commit and before "
                    + "its factor table's, so the output was never committed", target);
            fs.delete(target, true);
        }
        String staging = "." + target.getName() + STAGING;
        String replaced = "." + target.getName() + REPLACED;
        for (FileStatus f : fs.listStatus(parent)) {
            String name = f.getPath().getName();
            if (name.startsWith(replaced) && !fs.exists(target)) {
                LOG.warn("Restoring {}: a previous run replaced it but stopped before finishing", target);
                if (!fs.rename(f.getPath(), target)) {
                    throw new IOException("could not move " + f.getPath() + " back to " + target);
                }
            } else if (name.startsWith(staging) || name.startsWith(replaced)) {
                LOG.info("Removing {}, left by a run that stopped before it finished", f.getPath());
                fs.delete(f.getPath(), true);
            }
        }
    }

    /**
     * Whether {@code target} is what a first run of Delta tables leaves when it stops between its two commits:
     * an {@code errors/} Delta table, perhaps a {@code factors/} folder whose first commit never landed, and
     * nothing else (the factor table's commit is the run's).
     */
    private static boolean interruptedFirstDeltaRun(FileSystem fs, Path target) throws IOException {
        if (!fs.exists(target) || !fs.getFileStatus(target).isDirectory()
                || !fs.exists(new Path(new Path(target, ERRORS), DeltaSnapshot.LOG))
                || fs.exists(new Path(new Path(target, FACTORS), DeltaSnapshot.LOG + "/" + String.format("%020d.json", 0)))) {
            return false;
        }
        for (FileStatus entry : fs.listStatus(target)) {
            String name = entry.getPath().getName();
            if (!name.equals(ERRORS) && !name.equals(FACTORS)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code output} exists; for checks before Spark starts. */
    public static boolean exists(String output, Configuration conf) throws IOException {
        Path path = new Path(output);
        return path.getFileSystem(conf).exists(path);
    }

    /** A job's work on an output folder: writes into the staging folder and commits it. */
    public interface Work<T> {
        T run(OutputFolder output) throws IOException;
    }

    /** Runs {@code work}; if it fails, the staging folder is removed and nothing else is left behind. */
    public <T> T run(Work<T> work) {
        try {
            return work.run(this);
        } catch (IOException e) {
            abandon();
            throw new UncheckedIOException("writing " + target + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            abandon();
            throw e;
        }
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

    /** Removes a staged file or folder (with what it holds) and, if that leaves it empty, its parent folder. */
    public void deleteStaged(String name) throws IOException {
        Path path = stagedPath(name);
        fs.delete(path, true);
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
            Path old = new Path(target.getParent(), "." + target.getName() + REPLACED + UUID.randomUUID());
            rename(target, old);
            rename(staging, target);
            fs.delete(old, true);
        } else {
            rename(staging, target);
        }
    }

    /**
     * Puts a file of the current output's factor table, unchanged, into the staged one: a hard link
     * on the local file system (no bytes move), a copy elsewhere. Its checksum file comes along.
     */
    public void carry(Path file) throws IOException {
        Path into = stagedPath(FACTORS);
        fs.mkdirs(into);
        for (Path f : List.of(file, new Path(file.getParent(), "." + file.getName() + ".crc"))) {
            Path to = new Path(into, f.getName());
            if (!fs.exists(f)) {
                continue;
            }
            if ("file".equals(f.toUri().getScheme())) {
                Files.createLink(java.nio.file.Path.of(to.toUri()), java.nio.file.Path.of(f.toUri()));
            } else if (!FileUtil.copy(fs, f, fs, to, false, fs.getConf())) {
                throw new IOException("could not copy " + f + " to " + to);
            }
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
