package dev.mmps.spark.ingest;

import dev.mmps.images.ImageFailure;
import dev.mmps.spark.sink.FactorRows;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One walk of an input folder tree on the driver, streamed into a listing file: one line per
 * file ({@code uri TAB length TAB modified-millis}), written as it is found, so the driver holds
 * one folder's entries at a time and never the whole corpus. URIs are percent-encoded, so a tab
 * or a newline in a file name cannot break a line.
 *
 * <p>What cannot be read as a file becomes an {@link Issue}, which the job turns into an error
 * row: broken symbolic links, pipes and devices (reading them could block forever), folders that
 * cannot be listed, and symbolic links to folders that would be read twice. On the local file
 * system a link to a folder inside the input (a loop, or a second way into the same images) is
 * never followed, and no folder is read twice; other file systems list with Hadoop. Hidden names
 * (starting with {@code .} or {@code _}) are skipped, as Spark and Parquet readers do.
 */
public final class InputWalk {

    /** An input that ends as an error row without reaching the executors. */
    public record Issue(String uri, long modified, ImageFailure failure) {}

    /**
     * What the walk found.
     *
     * @param files files written to the listing
     * @param bytes their total size
     * @param sample the calibration sample ({@link CalibrationSample}), in path order
     * @param issues inputs that are error rows already
     * @param digest SHA-256 (hex) of the listing's lines, in walk order, followed by one line per issue
     *     ({@code uri TAB modified-millis}): equal digests mean the same files, sizes, times and issues; null for
     *     inputs that are not walked (IDX files)
     */
    public record Result(long files, long bytes, List<Path> sample, List<Issue> issues, String digest) {

        /** Every input: listed files and issues. */
        public long inputs() {
            return files + issues.size();
        }
    }

    private final FileSystem fs;
    private final Path root;
    private final String rootPath;
    private final Writer listing;
    private final CalibrationSample.Smallest sample;
    private final List<Issue> issues = new ArrayList<>();
    private long files;
    private long bytes;

    private InputWalk(FileSystem fs, Path root, int sampleSize, Writer listing) {
        this.fs = fs;
        this.root = root;
        this.rootPath = FactorRows.Origin.rootPath(root.toUri().toString());
        this.listing = listing;
        this.sample = new CalibrationSample.Smallest(sampleSize);
    }

    /**
     * Walks {@code root} and writes the listing to {@code listingFile}.
     *
     * @param fs the input's file system
     * @param sampleSize how many non-empty files to return as the calibration sample ({@link CalibrationSample})
     * @param listingFs the file system of the listing (the output's)
     */
    public static Result walk(FileSystem fs, Path root, int sampleSize, FileSystem listingFs, Path listingFile)
            throws IOException {
        MessageDigest digest = sha256();
        InputWalk walk;
        try (Writer out = new BufferedWriter(new OutputStreamWriter(new DigestOutputStream(
                listingFs.create(listingFile, true), digest), StandardCharsets.UTF_8), 1 << 16)) {
            walk = new InputWalk(fs, root, sampleSize, out);
            if ("file".equals(root.toUri().getScheme())) {
                walk.walkLocal(java.nio.file.Path.of(root.toUri()));
            } else {
                walk.walkHadoop();
            }
        }
        for (Issue issue : walk.issues) {
            digest.update((issue.uri() + '\t' + issue.modified() + '\n').getBytes(StandardCharsets.UTF_8));
        }
        List<Path> sample = walk.sample.uris().stream().map(uri -> new Path(java.net.URI.create(uri))).toList();
        return new Result(walk.files, walk.bytes, sample, List.copyOf(walk.issues),
                HexFormat.of().formatHex(digest.digest()));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java platform must provide", e);
        }
    }

    /** Parses one listing line: {@code uri, length, modified-millis}. */
    public static String[] parseLine(String line) {
        String[] parts = line.split("\t", -1);
        if (parts.length != 3) {
            throw new IllegalStateException("malformed listing line: " + Printable.of(line));
        }
        return parts;
    }

    private void walkLocal(java.nio.file.Path top) throws IOException {
        java.nio.file.Path realRoot = top.toRealPath();
        Set<java.nio.file.Path> seen = new HashSet<>();
        seen.add(realRoot);
        Deque<java.nio.file.Path> folders = new ArrayDeque<>();
        folders.push(top);
        while (!folders.isEmpty()) {
            java.nio.file.Path folder = folders.pop();
            List<String> names = new ArrayList<>();
            try (DirectoryStream<java.nio.file.Path> entries = Files.newDirectoryStream(folder)) {
                for (java.nio.file.Path child : entries) {
                    String name = child.getFileName().toString();
                    if (!hidden(name)) {
                        names.add(name);
                    }
                }
            } catch (IOException e) {
                if (folder.equals(top)) {
                    throw e;
                }
                issue(local(folder), 0, "cannot list this folder (" + reason(e) + "); the files in it are not read");
                continue;
            }
            names.sort(Comparator.reverseOrder());
            String folderUri = local(folder).toUri().toString();
            List<java.nio.file.Path> subfolders = new ArrayList<>();
            for (String name : names) {
                java.nio.file.Path child = folder.resolve(name);
                visitLocal(child, uriOf(folderUri, name, child), realRoot, seen, subfolders);
            }
            subfolders.forEach(folders::push);
        }
    }

    /** {@code uri} is the child's URI in the form {@link #local} gives. */
    private void visitLocal(java.nio.file.Path child, String uri, java.nio.file.Path realRoot,
            Set<java.nio.file.Path> seen, List<java.nio.file.Path> subfolders) throws IOException {
        BasicFileAttributes own = Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        long modified = own.lastModifiedTime().toMillis();
        BasicFileAttributes target = own;
        if (own.isSymbolicLink()) {
            java.nio.file.Path real;
            try {
                real = child.toRealPath();
                target = Files.readAttributes(real, BasicFileAttributes.class);
            } catch (IOException e) {
                issue(local(child), modified, "symbolic link that leads nowhere readable (" + reason(e) + ")");
                return;
            }
            if (target.isDirectory()) {
                if (real.startsWith(realRoot)) {
                    issue(local(child), modified, "symbolic link to the folder " + Printable.of(real.toString())
                            + " inside the input (a loop, or a second way into the same images): not followed, so "
                            + "no image is read twice");
                    return;
                }
                if (!seen.add(real)) {
                    issue(local(child), modified, "symbolic link to the folder " + Printable.of(real.toString())
                            + ", which is already read by another link: not followed, so no image is read twice");
                    return;
                }
                subfolders.add(child);
                return;
            }
        }
        if (target.isDirectory()) {
            if (seen.add(child.toRealPath())) {
                subfolders.add(child);
            }
        } else if (target.isRegularFile()) {
            file(uri, target.size(), target.lastModifiedTime().toMillis());
        } else {
            issue(local(child), modified, "not a regular file (a pipe, socket or device): not read");
        }
    }

    private void walkHadoop() throws IOException {
        Deque<Path> folders = new ArrayDeque<>();
        folders.push(root);
        while (!folders.isEmpty()) {
            Path folder = folders.pop();
            FileStatus[] children;
            try {
                children = fs.listStatus(folder);
            } catch (IOException e) {
                if (folder.equals(root)) {
                    throw e;
                }
                issue(folder, 0, "cannot list this folder (" + reason(e) + "); the files in it are not read");
                continue;
            }
            java.util.Arrays.sort(children, Comparator.comparing(FileStatus::getPath).reversed());
            List<Path> subfolders = new ArrayList<>();
            for (FileStatus f : children) {
                if (hidden(f.getPath().getName())) {
                    continue;
                }
                if (f.isDirectory()) {
                    subfolders.add(f.getPath());
                } else if (f.isFile()) {
                    file(f.getPath().toUri().toString(), f.getLen(), f.getModificationTime());
                } else {
                    issue(f.getPath(), f.getModificationTime(), "symbolic link: not followed on this file system");
                }
            }
            subfolders.forEach(folders::push);
        }
    }

    private void file(String uri, long length, long modified) throws IOException {
        listing.write(uri);
        listing.write('\t');
        listing.write(Long.toString(length));
        listing.write('\t');
        listing.write(Long.toString(modified));
        listing.write('\n');
        files++;
        bytes += length;
        if (length > 0) {
            sample.offer(CalibrationSample.id(rootPath, uri), uri);
        }
    }

    private void issue(Path path, long modified, String reason) {
        issues.add(new Issue(path.toUri().toString(), modified, new ImageFailure(ImageFailure.Step.READ, reason)));
    }

    /**
     * The URI of {@code name} in the folder of URI {@code folderUri}, as {@link #local} gives it: appended as
     * it is when no character of it needs quoting in a URI or normalising in a Hadoop path (letters, digits,
     * {@code - . _ ~}), which spares the parsing of a Hadoop path per file; worked out by {@link #local} else.
     */
    private static String uriOf(String folderUri, String name, java.nio.file.Path child) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '.' || c == '_' || c == '~';
            if (!plain) {
                return local(child).toUri().toString();
            }
        }
        return folderUri.endsWith("/") ? folderUri + name : folderUri + "/" + name;
    }

    /** The Hadoop path of a local file, in the {@code file:/...} form the rest of the job uses. */
    private static Path local(java.nio.file.Path path) {
        return new Path("file", null, path.toAbsolutePath().toString());
    }

    private static boolean hidden(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return Printable.of(message);
    }
}
