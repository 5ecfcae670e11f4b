package dev.mmps.spark.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.settings.ValidationException;
import dev.mmps.spark.SparkTestSession;
import dev.mmps.spark.TestInputs;
import dev.mmps.table.TableManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * {@code compress --incremental} on a real local[2] session: new files are added, changed ones
 * replaced, removed ones kept (or pruned), nothing is written when nothing is new, and the result
 * has the rows a clean run over the same files has.
 */
class IncrementalCompressTest {

    private final SparkSession spark = SparkTestSession.get();

    /** No calibration, so a clean run and an incremental one plan every image alike. */
    private TableManifest run(Path input, Path output, Map<String, Object> extra) {
        Map<String, Object> settings = new LinkedHashMap<>(Map.of("compression.max-bond", 6));
        settings.putAll(extra);
        return TestJobs.compress(input, output, settings);
    }

    @Test
    void addsNewFilesReplacesChangedOnesAndMatchesACleanRun() throws Exception {
        Path input = TestInputs.fresh("incremental");
        TestInputs.copyCifar(input, 3);
        Path output = TestInputs.fresh("incremental-out").resolve("table");
        run(input, output, Map.of());

        Path cat = input.resolve("cat");
        List<Path> cats = sorted(cat);
        Path changed = cats.get(0);
        Files.copy(cats.get(1), changed, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(changed, FileTime.fromMillis(Files.getLastModifiedTime(changed).toMillis() + 60_000));
        Files.delete(cats.get(2));
        Path dog = TestInputs.SAMPLES.resolve("cifar10").resolve("dog");
        List<Path> moreDogs = sorted(dog).subList(5, 7);
        for (Path p : moreDogs) {
            Files.copy(p, input.resolve("dog").resolve(p.getFileName()));
        }
        Files.writeString(input.resolve("dog").resolve("notes.jpg"), "not an image\n");

        TableManifest manifest = run(input, output, Map.of("incremental", true));

        TableManifest.Incremental incremental = manifest.incremental();
        assertEquals(28L, incremental.skipped(), incremental.toString());
        assertEquals(4L, incremental.compressed(), incremental.toString());
        assertEquals(1L, incremental.replaced(), incremental.toString());
        assertEquals(1L, incremental.removed(), incremental.toString());
        assertEquals(List.of("cat/" + cats.get(2).getFileName()), incremental.removedExamples());
        TableManifest.Counts counts = manifest.counts();
        assertEquals(33L, counts.inputs(), counts.toString());
        assertEquals(32L, counts.images(), counts.toString());
        assertEquals(1L, counts.failed(), counts.toString());
        Map<String, Row> rows = rowsById(output);
        assertEquals(32, rows.size());
        assertTrue(rows.containsKey("cat/" + cats.get(2).getFileName()), "a removed file's row is kept");
        assertEquals(Files.getLastModifiedTime(changed).toMillis(),
                rows.get("cat/" + changed.getFileName()).<java.sql.Timestamp>getAs("source_modified").getTime());

        Path clean = TestInputs.fresh("incremental-clean").resolve("table");
        run(input, clean, Map.of());
        Map<String, Row> cleanRows = rowsById(clean);
        rows.remove("cat/" + cats.get(2).getFileName());
        assertEquals(cleanRows.keySet(), rows.keySet());
        for (Map.Entry<String, Row> e : cleanRows.entrySet()) {
            assertSameFactors(e.getValue(), rows.get(e.getKey()));
        }

        TableManifest pruned = run(input, output, Map.of("incremental", true, "prune", true));
        assertEquals(31L, pruned.counts().images());
        assertEquals(cleanRows.keySet(), rowsById(output).keySet());
    }

    @Test
    void aRunWithNothingNewWritesNothing() throws Exception {
        Path input = TestInputs.fresh("incremental-same");
        TestInputs.copyCifar(input, 2);
        TestInputs.writeBroken(input.resolve("broken"));
        Path output = TestInputs.fresh("incremental-same-out").resolve("table");
        run(input, output, Map.of());
        Map<String, FileTime> before = listing(output);
        byte[] manifestBefore = Files.readAllBytes(output.resolve("manifest.json"));

        TableManifest manifest = run(input, output, Map.of("incremental", true));

        assertTrue(manifest.incremental().isUpToDate());
        assertEquals(25L, manifest.incremental().skipped());
        assertEquals(before, listing(output));
        assertArrayEquals(manifestBefore, Files.readAllBytes(output.resolve("manifest.json")));
        try (Stream<Path> siblings = Files.list(output.getParent())) {
            assertEquals(List.of(output), siblings.toList(), "no staging folder is left behind");
        }
    }

    @Test
    void theListingDigestSkipsTheComparisonOnlyForAnUnchangedInput() throws Exception {
        Path input = TestInputs.fresh("incremental-digest");
        TestInputs.copyCifar(input, 2);
        TestInputs.writeBroken(input.resolve("broken"));
        Files.createSymbolicLink(input.resolve("broken").resolve("dangling.jpg"), input.resolve("nowhere.jpg"));
        Path output = TestInputs.fresh("incremental-digest-out").resolve("table");
        String digest = run(input, output, Map.of()).input().listingDigest();
        assertTrue(digest != null && digest.matches("[0-9a-f]{64}"), "a SHA-256 in hex: " + digest);

        // The same input walks to the same digest (its walk issue included), so the run skips the comparison.
        assertEquals(digest, walkDigest(input));
        assertTrue(IncrementalRun.unchanged(table(output), walkDigest(input), false));
        assertTrue(IncrementalRun.unchanged(table(output), walkDigest(input), true), "no kept rows for --prune to drop");
        TableManifest same = run(input, output, Map.of("incremental", true));
        assertTrue(same.incremental().isUpToDate());
        assertEquals(25L, same.incremental().skipped());

        // A newer modification time changes the digest: the run compares, recompresses the file, records the new one.
        Path touched = sorted(input.resolve("cat")).get(0);
        Files.setLastModifiedTime(touched, FileTime.fromMillis(Files.getLastModifiedTime(touched).toMillis() + 60_000));
        String after = walkDigest(input);
        assertFalse(after.equals(digest));
        assertFalse(IncrementalRun.unchanged(table(output), after, false));
        TableManifest changed = run(input, output, Map.of("incremental", true));
        assertEquals(1L, changed.incremental().replaced(), changed.incremental().toString());
        assertEquals(after, changed.input().listingDigest());

        // A table written before the digest existed is compared as before, and found up to date.
        Path manifest = output.resolve("manifest.json");
        String json = Files.readString(manifest);
        String stripped = json.replaceFirst(",\\s*\"listing_digest\"\\s*:\\s*\"[0-9a-f]{64}\"", "");
        assertFalse(stripped.equals(json), "the manifest names its digest listing_digest");
        Files.writeString(manifest, stripped);
        Files.deleteIfExists(output.resolve(".manifest.json.crc"));
        assertFalse(IncrementalRun.unchanged(table(output), after, false));
        TableManifest compared = run(input, output, Map.of("incremental", true));
        assertTrue(compared.incremental().isUpToDate());
        assertEquals(25L, compared.incremental().skipped());
    }

    private IncrementalRun.Table table(Path output) {
        org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
        return new IncrementalRun.Table(new org.apache.hadoop.fs.Path(output.toUri()),
                dev.mmps.table.ManifestFiles.readTable(output.toString(), conf));
    }

    private String walkDigest(Path input) throws IOException {
        org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(input.toUri());
        org.apache.hadoop.fs.FileSystem fs = root.getFileSystem(conf);
        Path listing = Files.createTempFile("listing", ".tsv");
        try {
            return dev.mmps.spark.ingest.InputWalk.walk(fs, root, 0, fs, new org.apache.hadoop.fs.Path(listing.toUri()))
                    .digest();
        } finally {
            Files.deleteIfExists(listing);
        }
    }

    @Test
    void aStagingFolderLeftByAKilledRunIsRemovedAndNeverTakenForOutput() throws Exception {
        Path input = TestInputs.fresh("incremental-leftover");
        TestInputs.copyCifar(input, 1);
        Path output = TestInputs.fresh("incremental-leftover-out").resolve("table");
        Path leftover = Files.createDirectories(output.getParent().resolve(".table.staging-killed/factors"));
        Files.writeString(leftover.resolve("part-00000-half.zstd.parquet"), "half a file");

        run(input, output, Map.of("incremental", true));

        assertEquals(10, rowsById(output).size());
        assertFalse(Files.exists(leftover.getParent()));
    }

    @Test
    void anOutputMovedAsideByACommitThatDidNotFinishIsPutBack() throws Exception {
        Path input = TestInputs.fresh("incremental-restore");
        TestInputs.copyCifar(input, 1);
        Path output = TestInputs.fresh("incremental-restore-out").resolve("table");
        run(input, output, Map.of());
        Files.move(output, output.getParent().resolve(".table.replaced-interrupted"));

        TableManifest manifest = run(input, output, Map.of("incremental", true));

        assertTrue(manifest.incremental().isUpToDate());
        assertEquals(10, rowsById(output).size());
    }

    /** New rows take the layout the table's search chose, with its profile; the run searches nothing again. */
    @Test
    void newRowsTakeTheLayoutTheTableChose() throws Exception {
        Path input = TestInputs.fresh("incremental-layout");
        TestInputs.copyCifar(input, 1);
        Path output = TestInputs.fresh("incremental-layout-out").resolve("table");
        Map<String, Object> searched = Map.of("compression.ratio", 0.3, "compression.calibration-images", 6);
        TableManifest first = TestJobs.compress(input, output, searched);
        TableManifest.LayoutSearchEntry search = first.compression().layoutSearch();
        assertTrue(search != null && !search.candidates().isEmpty(), "the first run searched: " + first.compression());
        for (Path p : sorted(TestInputs.SAMPLES.resolve("cifar10").resolve("cat")).subList(10, 12)) {
            Files.copy(p, input.resolve("cat").resolve(p.getFileName()));
        }
        Map<String, Object> again = new LinkedHashMap<>(searched);
        again.put("incremental", true);
        long partFiles = partFiles(output);
        TableManifest second = TestJobs.compress(input, output, again);
        assertEquals(2L, second.incremental().compressed());
        assertEquals(partFiles + 1, partFiles(output), "two new images make one new part file");
        assertEquals(search, second.compression().layoutSearch());
        assertEquals(first.compression().rankProfile().layout(), second.compression().rankProfile().layout());
        Set<String> layouts = new HashSet<>();
        rowsById(output).values().forEach(r -> layouts.add(r.getAs("layout")));
        assertEquals(Set.of(search.chosen()), layouts, "old and new rows share the chosen layout");
    }

    @Test
    void settingsThatShapeTheFactorsMustMatchTheTable() throws Exception {
        Path input = TestInputs.fresh("incremental-settings");
        TestInputs.copyCifar(input, 1);
        Path output = TestInputs.fresh("incremental-settings-out").resolve("table");
        run(input, output, Map.of());
        ValidationException e = assertThrows(ValidationException.class,
                () -> run(input, output, Map.of("incremental", true, "compression.stages", 1)));
        assertTrue(e.getMessage().contains("compression.stages=2") && e.getMessage().contains("compression.stages=1"),
                e.getMessage());
        ValidationException order = assertThrows(ValidationException.class,
                () -> run(input, output, Map.of("incremental", true, "compression.order", "row")));
        assertTrue(order.getMessage().contains("compression.order=auto") && order.getMessage().contains("=row"),
                order.getMessage());
        assertThrows(ValidationException.class, () -> run(input, output, Map.of("incremental", true,
                "overwrite", true)));
        assertThrows(ValidationException.class, () -> run(input, output, Map.of("prune", true)));
    }

    private static long partFiles(Path output) throws IOException {
        try (Stream<Path> files = Files.list(output.resolve("factors"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".parquet")).count();
        }
    }

    static void assertSameFactors(Row expected, Row actual) {
        List<Row> a = expected.getList(expected.fieldIndex("stages"));
        List<Row> b = actual.getList(actual.fieldIndex("stages"));
        assertEquals(a.size(), b.size());
        for (int s = 0; s < a.size(); s++) {
            assertEquals(a.get(s).getList(0), b.get(s).getList(0), "ranks of " + expected.getAs("id"));
            List<byte[]> ca = a.get(s).getList(1);
            List<byte[]> cb = b.get(s).getList(1);
            for (int k = 0; k < ca.size(); k++) {
                assertArrayEquals(ca.get(k), cb.get(k), "core " + k + " of " + expected.getAs("id"));
            }
        }
    }

    private Map<String, Row> rowsById(Path output) {
        Map<String, Row> rows = new HashMap<>();
        for (Row r : spark.read().parquet(output.resolve("factors").toString()).collectAsList()) {
            assertEquals(null, rows.put(r.getAs("id"), r), "one row per image");
        }
        return rows;
    }

    private static Map<String, FileTime> listing(Path folder) throws IOException {
        Map<String, FileTime> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.toList()) {
                files.put(folder.relativize(p).toString(), Files.getLastModifiedTime(p));
            }
        }
        return files;
    }

    static List<Path> sorted(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        }
    }

}
