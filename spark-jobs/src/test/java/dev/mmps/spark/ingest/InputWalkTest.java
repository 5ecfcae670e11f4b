package dev.mmps.spark.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.spark.TestInputs;
import dev.mmps.spark.sink.FactorRows;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

/** The walk's listing, sample and digest on a real folder with plain and awkward file names. */
class InputWalkTest {

    private static final List<String> NAMES = List.of("0001.jpg", "a-b_c~d.e.jpg", "with space 'quote' \u00e9t\u00e9.jpg",
            "tab\tand\nnewline.jpg", "colon:name.jpg", "percent%41.jpg", "hash#name.jpg", "\u202eevil.jpg");

    @Test
    void listsEveryFileUnderTheUriAHadoopPathGivesIt() throws Exception {
        java.nio.file.Path input = TestInputs.fresh("walk");
        List<String> expected = new ArrayList<>();
        for (String folder : List.of("cat", "dog")) {
            java.nio.file.Path dir = Files.createDirectories(input.resolve(folder));
            for (String name : NAMES) {
                java.nio.file.Path file = dir.resolve(name);
                Files.writeString(file, folder + name);
                expected.add(new Path("file", null, file.toAbsolutePath().toString()).toUri().toString());
            }
        }
        Files.writeString(input.resolve("top.jpg"), "top");
        expected.add(new Path("file", null, input.resolve("top.jpg").toAbsolutePath().toString()).toUri().toString());

        InputWalk.Result first = walk(input, 3);
        List<String> listed = listing();
        assertEquals(new TreeSet<>(expected), new TreeSet<>(listed));
        assertEquals(expected.size(), listed.size());
        assertEquals(expected.size(), first.files());
        String rootPath = input.toAbsolutePath() + "/";
        List<Path> smallest = expected.stream()
                .sorted(Comparator.comparingLong((String u) -> CalibrationSample.key(
                        FactorRows.Origin.relativeId(rootPath, u))).thenComparing(u -> u))
                .limit(3).sorted().map(u -> new Path(java.net.URI.create(u))).toList();
        assertEquals(smallest, first.sample(),
                "the sample is the files whose ids have the smallest keys, in path order");
        for (String uri : listed) {
            assertEquals(FactorRows.Origin.relativeId(rootPath, uri), CalibrationSample.id(rootPath, uri),
                    "the walk's id of " + uri + " is the row's id");
        }
        for (Path p : first.sample()) {
            FileSystem fs = p.getFileSystem(new Configuration());
            assertEquals(true, fs.exists(p), p.toString());
        }

        assertEquals(first.digest(), walk(input, 3).digest(), "the same files walk to the same digest");
        java.nio.file.Path one = input.resolve("dog").resolve(NAMES.get(4));
        Files.setLastModifiedTime(one, FileTime.fromMillis(Files.getLastModifiedTime(one).toMillis() + 1_000));
        assertNotEquals(first.digest(), walk(input, 3).digest(), "a newer modification time changes the digest");
    }

    @Test
    void theSampleSpreadsOverClassFoldersAndMovesWithTheTree() throws Exception {
        java.nio.file.Path parent = TestInputs.fresh("walk-classes");
        List<java.nio.file.Path> roots = List.of(parent.resolve("here"), parent.resolve("elsewhere").resolve("deeper"));
        for (java.nio.file.Path root : roots) {
            for (int c = 0; c < CLASSES; c++) {
                java.nio.file.Path dir = Files.createDirectories(root.resolve(String.format("n%08d", c)));
                for (int i = 0; i < PER_CLASS; i++) {
                    Files.writeString(dir.resolve(String.format("%05d.jpg", i)), "image " + c + "/" + i);
                }
            }
        }
        List<String> here = relative(roots.get(0), walk(roots.get(0), SAMPLE).sample());
        List<String> elsewhere = relative(roots.get(1), walk(roots.get(1), SAMPLE).sample());
        assertEquals(SAMPLE, here.size());
        assertEquals(here, elsewhere, "the same files below the root give the same sample wherever the tree is");
        long classes = here.stream().map(id -> id.substring(0, id.indexOf('/'))).distinct().count();
        // The first SAMPLE files in path order would all be the first folder's; a uniform draw of 16 of 400 files
        // in 20 folders of 20 meets about 11 folders.
        assertTrue(classes >= SAMPLE / 2, "the sample meets " + classes + " of " + CLASSES + " class folders: " + here);
    }

    @Test
    void theSampleKeysTheRowsIdsOnEveryFormOfUri() {
        String[][] cases = {
            {"/", "file:/a/b.jpg"}, {"/", "file:///a/b.jpg"}, {"/", "hdfs://nn:8020/a/b.jpg"},
            {"/data/", "file:/data/cat/1.jpg"}, {"/data/", "file:///data/cat/1.jpg"},
            {"/data/", "hdfs://nn:8020/data/cat/1.jpg"}, {"/data/", "s3a://bucket/data/cat/1.jpg"},
            {"/data/", "hdfs://nn/other/data/cat/1.jpg"}, {"/data/", "file:/data/cat/with%20space.jpg"},
        };
        for (String[] c : cases) {
            assertEquals(FactorRows.Origin.relativeId(c[0], c[1]), CalibrationSample.id(c[0], c[1]),
                    "the id of " + c[1] + " below " + c[0]);
        }
    }

    private static final int CLASSES = 20;
    private static final int PER_CLASS = 20;
    private static final int SAMPLE = 16;

    private static List<String> relative(java.nio.file.Path root, List<Path> sample) {
        String rootPath = root.toAbsolutePath() + "/";
        return sample.stream().map(p -> FactorRows.Origin.relativeId(rootPath, p.toUri().toString())).toList();
    }

    private static final String LISTING = "target/test-data/walk-listing.tsv";

    private static InputWalk.Result walk(java.nio.file.Path input, int keepFirst) throws IOException {
        Configuration conf = new Configuration();
        Path root = new Path(input.toUri());
        FileSystem fs = root.getFileSystem(conf);
        return InputWalk.walk(fs, fs.makeQualified(root), keepFirst, fs,
                new Path(java.nio.file.Path.of(LISTING).toAbsolutePath().toUri()));
    }

    private static List<String> listing() throws IOException {
        try (Stream<String> lines = Files.lines(java.nio.file.Path.of(LISTING), StandardCharsets.UTF_8)) {
            return lines.map(l -> InputWalk.parseLine(l)[0]).toList();
        }
    }
}
