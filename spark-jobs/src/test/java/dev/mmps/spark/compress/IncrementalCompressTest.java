package dev.mmps.spark.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.spark.SparkTestSession;
import dev.mmps.spark.TestInputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private Map<String, Object> run(Path input, Path output, Map<String, Object> extra) {
        Map<String, Object> settings = new LinkedHashMap<>(Map.of("compression.max-bond", 6));
        settings.putAll(extra);
        return TestJobs.compress(input, output, settings);
    }

    @Test
    @SuppressWarnings("unchecked")
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

        Map<String, Object> manifest = run(input, output, Map.of("incremental", true));

        Map<String, Object> incremental = (Map<String, Object>) manifest.get("incremental");
        assertEquals(28L, number(incremental.get("skipped")), incremental.toString());
        assertEquals(4L, number(incremental.get("compressed")), incremental.toString());
        assertEquals(1L, number(incremental.get("replaced")), incremental.toString());
        assertEquals(1L, number(incremental.get("removed")), incremental.toString());
        assertEquals(List.of("cat/" + cats.get(2).getFileName()), incremental.get("removed_examples"));
        Map<String, Object> counts = (Map<String, Object>) manifest.get("counts");
        assertEquals(33L, number(counts.get("inputs")), counts.toString());
        assertEquals(32L, number(counts.get("images")), counts.toString());
        assertEquals(1L, number(counts.get("failed")), counts.toString());
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

        Map<String, Object> pruned = run(input, output, Map.of("incremental", true, "prune", true));
        assertEquals(31L, number(((Map<String, Object>) pruned.get("counts")).get("images")));
        assertEquals(cleanRows.keySet(), rowsById(output).keySet());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRunWithNothingNewWritesNothing() throws Exception {
        Path input = TestInputs.fresh("incremental-same");
        TestInputs.copyCifar(input, 2);
        TestInputs.writeBroken(input.resolve("broken"));
        Path output = TestInputs.fresh("incremental-same-out").resolve("table");
        run(input, output, Map.of());
        Map<String, FileTime> before = listing(output);
        byte[] manifestBefore = Files.readAllBytes(output.resolve("manifest.json"));

        Map<String, Object> manifest = run(input, output, Map.of("incremental", true));

        Map<String, Object> incremental = (Map<String, Object>) manifest.get("incremental");
        assertEquals(Boolean.TRUE, incremental.get("up_to_date"));
        assertEquals(25L, number(incremental.get("skipped")));
        assertEquals(before, listing(output));
        assertArrayEquals(manifestBefore, Files.readAllBytes(output.resolve("manifest.json")));
        try (Stream<Path> siblings = Files.list(output.getParent())) {
            assertEquals(List.of(output), siblings.toList(), "no staging folder is left behind");
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
    @SuppressWarnings("unchecked")
    void anOutputMovedAsideByACommitThatDidNotFinishIsPutBack() throws Exception {
        Path input = TestInputs.fresh("incremental-restore");
        TestInputs.copyCifar(input, 1);
        Path output = TestInputs.fresh("incremental-restore-out").resolve("table");
        run(input, output, Map.of());
        Files.move(output, output.getParent().resolve(".table.replaced-interrupted"));

        Map<String, Object> manifest = run(input, output, Map.of("incremental", true));

        assertEquals(Boolean.TRUE, ((Map<String, Object>) manifest.get("incremental")).get("up_to_date"));
        assertEquals(10, rowsById(output).size());
    }

    @Test
    void settingsThatShapeTheFactorsMustMatchTheTable() throws Exception {
        Path input = TestInputs.fresh("incremental-settings");
        TestInputs.copyCifar(input, 1);
        Path output = TestInputs.fresh("incremental-settings-out").resolve("table");
        run(input, output, Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run(input, output, Map.of("incremental", true, "compression.stages", 1)));
        assertTrue(e.getMessage().contains("compression.stages=2") && e.getMessage().contains("compression.stages=1"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> run(input, output, Map.of("incremental", true,
                "overwrite", true)));
        assertThrows(IllegalArgumentException.class, () -> run(input, output, Map.of("prune", true)));
    }

    private static void assertSameFactors(Row expected, Row actual) {
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

    private static List<Path> sorted(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        }
    }

    private static long number(Object value) {
        return ((Number) value).longValue();
    }
}
