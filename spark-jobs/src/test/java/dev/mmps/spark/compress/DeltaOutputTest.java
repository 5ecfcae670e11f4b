package dev.mmps.spark.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.settings.ValidationException;
import dev.mmps.spark.SparkTestSession;
import dev.mmps.spark.TestInputs;
import dev.mmps.table.FactorTableReader;
import dev.mmps.table.ManifestFiles;
import dev.mmps.table.TableManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * {@code compress --table-format delta} on a real local[2] session with Delta 4.0: the same rows as a Parquet
 * run, one commit per run with the manifest in it, {@code --incremental} as a MERGE on id, earlier versions
 * readable, a run that fails between its two commits leaves the previous version whole, and outputs of the
 * other format or of another tool are refused before any work.
 */
class DeltaOutputTest {

    private final SparkSession spark = SparkTestSession.get();
    private final Configuration conf = new Configuration();

    private static final Map<String, Object> DELTA = Map.of("output-format.table", "delta");

    /** No calibration, so every run plans every image alike and rows can be compared blob for blob. */
    private TableManifest run(Path input, Path output, Map<String, Object> extra) {
        Map<String, Object> settings = new LinkedHashMap<>(Map.of("compression.max-bond", 6));
        settings.putAll(extra);
        return TestJobs.compress(input, output, settings);
    }

    private TableManifest runDelta(Path input, Path output, Map<String, Object> extra) {
        Map<String, Object> settings = new LinkedHashMap<>(DELTA);
        settings.putAll(extra);
        return run(input, output, settings);
    }

    @Test
    void aDeltaOutputHoldsTheRowsOfAParquetOutputAndItsManifestInTheCommit() throws Exception {
        Path input = TestInputs.fresh("delta-full");
        TestInputs.copyCifar(input, 3);
        List<String> broken = TestInputs.writeBroken(input.resolve("broken"));
        Path parquet = TestInputs.fresh("delta-full-parquet").resolve("table");
        Path delta = TestInputs.fresh("delta-full-delta").resolve("table");

        TableManifest p = run(input, parquet, Map.of());
        TableManifest d = runDelta(input, delta, Map.of());

        assertEquals(p.counts(), d.counts());
        assertEquals(new TableManifest.Delta(0L, 0L), d.delta());
        assertEquals("delta", d.config().get("output-format.table"));
        TableManifest read = ManifestFiles.readTable(delta.toString(), conf);
        assertEquals(d.delta(), read.delta());
        assertEquals(d.counts(), read.counts());
        assertEquals(spark.read().format("delta").load(delta.resolve("factors").toString()).inputFiles().length,
                FactorTableReader.parts(delta.toString(), conf).size());
        assertEquals(d.totals().storedBytes(), deltaBytes(delta.resolve("factors")));

        Map<String, Row> expected = rows(spark.read().parquet(parquet.resolve("factors").toString()).collectAsList());
        Map<String, Row> actual = rows(spark.read().format("delta").load(delta.resolve("factors").toString())
                .collectAsList());
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((id, row) -> IncrementalCompressTest.assertSameFactors(row, actual.get(id)));
        assertEquals(expected.keySet(), javaReaderIds(delta.toString(), null));
        assertEquals(broken.size(), FactorTableReader.count(FactorTableReader.errorParts(delta.toString(), conf), conf));
        assertEquals(ids(spark.read().parquet(parquet.resolve("errors").toString()).collectAsList()),
                ids(spark.read().format("delta").load(delta.resolve("errors").toString()).collectAsList()));
        // The copy beside the tables says what the commit says.
        assertEquals(read.delta(), ManifestFiles.parseTable(Files.readAllBytes(delta.resolve("manifest.json")),
                "manifest.json").delta());
        try (Stream<Path> siblings = Files.list(delta.getParent())) {
            assertEquals(List.of(delta), siblings.toList(), "no staging folder is left behind");
        }
    }

    @Test
    void anIncrementalRunIsOneMergeAndEveryEarlierVersionStaysReadable() throws Exception {
        Path input = TestInputs.fresh("delta-incremental");
        TestInputs.copyCifar(input, 3);
        Path output = TestInputs.fresh("delta-incremental-out").resolve("table");
        runDelta(input, output, Map.of());
        Set<String> firstIds = javaReaderIds(output.toString(), null);
        Changes changes = change(input);

        TableManifest manifest = runDelta(input, output, Map.of("incremental", true));

        assertEquals(new TableManifest.Delta(1L, 1L), manifest.delta());
        assertEquals(4L, manifest.incremental().compressed(), manifest.incremental().toString());
        assertEquals(1L, manifest.incremental().replaced());
        assertEquals(32L, manifest.counts().images());
        assertEquals(1L, manifest.counts().failed());
        assertEquals(List.of("MERGE"), operations(output.resolve("factors"), 1));
        Map<String, Row> rows = rows(spark.read().format("delta").load(output.resolve("factors").toString())
                .collectAsList());
        assertTrue(rows.containsKey(changes.removed), "a removed file's row is kept without --prune");
        assertEquals(changes.modified, rows.get(changes.changedId).<java.sql.Timestamp>getAs("source_modified")
                .getTime());

        Path clean = TestInputs.fresh("delta-incremental-clean").resolve("table");
        run(input, clean, Map.of());
        Map<String, Row> cleanRows = rows(spark.read().parquet(clean.resolve("factors").toString()).collectAsList());
        rows.remove(changes.removed);
        assertEquals(cleanRows.keySet(), rows.keySet());
        cleanRows.forEach((id, row) -> IncrementalCompressTest.assertSameFactors(row, rows.get(id)));

        TableManifest pruned = runDelta(input, output, Map.of("incremental", true, "prune", true));
        assertEquals(31L, pruned.counts().images());
        assertEquals(cleanRows.keySet(), javaReaderIds(output.toString(), null));

        // Time travel: version 0 is the first run, in the Java reader and in the manifest read from the log.
        assertEquals(firstIds, javaReaderIds(output.toString(), 0L));
        TableManifest first = ManifestFiles.readTable(output.toString(), 0L, conf);
        assertEquals(30L, first.counts().images());
        assertNull(first.incremental());
        assertEquals(new TableManifest.Delta(0L, 0L), first.delta());
        assertEquals(firstIds, ids(spark.read().format("delta").option("versionAsOf", 0)
                .load(output.resolve("factors").toString()).collectAsList()));
        // format("mmps") reads the same versions, images rebuilt from the files the log names.
        assertEquals(firstIds, ids(spark.read().format("mmps").option("versionAsOf", 0).load(output.toString())
                .select("id", "image").collectAsList()));
        assertEquals(cleanRows.keySet(), ids(spark.read().format("mmps").load(output.toString()).select("id")
                .collectAsList()));
        ValidationException badVersion = assertThrows(ValidationException.class, () -> spark.read().format("mmps")
                .option("versionAsOf", "latest").load(output.toString()));
        assertTrue(badVersion.getMessage().contains("'latest'"), badVersion.getMessage());
        ValidationException missing = assertThrows(ValidationException.class,
                () -> ManifestFiles.readTable(output.toString(), 7L, conf));
        assertTrue(missing.getMessage().contains("no version 7") && missing.getMessage().contains("0 to 2"),
                missing.getMessage());
    }

    @Test
    void aRunThatFailsBetweenItsCommitsLeavesThePreviousVersionAndItsRerunEqualsACleanRun() throws Exception {
        Path input = TestInputs.fresh("delta-killed");
        TestInputs.copyCifar(input, 3);
        Path output = TestInputs.fresh("delta-killed-out").resolve("table");
        TableManifest before = runDelta(input, output, Map.of());
        Set<String> beforeIds = javaReaderIds(output.toString(), null);
        change(input);
        // A table property the MERGE cannot pass makes the run fail after the error table's commit and before
        // the factor table's: the state a driver killed between the two leaves. The property's own commit
        // carries no manifest, as an OPTIMIZE or a property change by another user would.
        String factors = output.resolve("factors").toString();
        spark.sql("ALTER TABLE delta.`" + factors + "` SET TBLPROPERTIES ('delta.appendOnly' = 'true')");
        // A data file a commit wrote and never named in the log, as a killed MERGE leaves.
        Path someFile = Path.of(FactorTableReader.parts(output.toString(), conf).get(0).toUri().getPath());
        Files.copy(someFile, someFile.resolveSibling("part-99999-never-committed.zstd.parquet"));

        assertThrows(RuntimeException.class, () -> runDelta(input, output, Map.of("incremental", true)));

        assertEquals(1L, dev.mmps.table.DeltaSnapshot.newestVersion(
                new org.apache.hadoop.fs.Path(output.resolve("errors").toUri()), conf), "the error table committed");
        TableManifest now = ManifestFiles.readTable(output.toString(), conf);
        assertEquals(before.counts(), now.counts(), "readers still see the previous run");
        assertEquals(new TableManifest.Delta(1L, 0L), now.delta());
        assertEquals(beforeIds, javaReaderIds(output.toString(), null));
        assertEquals(before.counts().failed(),
                FactorTableReader.count(FactorTableReader.errorParts(output.toString(), conf), conf));

        spark.sql("ALTER TABLE delta.`" + factors + "` SET TBLPROPERTIES ('delta.appendOnly' = 'false')");
        TableManifest rerun = runDelta(input, output, Map.of("incremental", true));
        assertEquals(4L, rerun.incremental().compressed(), rerun.incremental().toString());
        Path clean = TestInputs.fresh("delta-killed-clean").resolve("table");
        run(input, clean, Map.of());
        Map<String, Row> cleanRows = rows(spark.read().parquet(clean.resolve("factors").toString()).collectAsList());
        Map<String, Row> rows = rows(spark.read().format("delta").load(factors).collectAsList());
        rows.keySet().retainAll(cleanRows.keySet());
        assertEquals(cleanRows.keySet(), rows.keySet());
        cleanRows.forEach((id, row) -> IncrementalCompressTest.assertSameFactors(row, rows.get(id)));
        assertEquals(ids(spark.read().parquet(clean.resolve("errors").toString()).collectAsList()),
                ids(spark.read().format("delta").load(output.resolve("errors").toString()).collectAsList()));
    }

    @Test
    void aFirstRunStoppedBeforeItsFactorCommitIsNotTakenForAnOutput() throws Exception {
        Path input = TestInputs.fresh("delta-first");
        TestInputs.copyCifar(input, 1);
        Path output = TestInputs.fresh("delta-first-out").resolve("table");
        spark.createDataFrame(List.of(), dev.mmps.spark.sink.FactorRows.ERRORS).write().format("delta")
                .save(output.resolve("errors").toString());

        TableManifest manifest = runDelta(input, output, Map.of());

        assertEquals(new TableManifest.Delta(0L, 0L), manifest.delta(), "the left-over error table was removed");
        assertEquals(10L, manifest.counts().images());
    }

    @Test
    void outputsOfTheOtherFormatOrOfAnotherToolAreRefusedBeforeAnyWork() throws Exception {
        Path input = TestInputs.fresh("delta-refused");
        TestInputs.copyCifar(input, 1);
        Path delta = TestInputs.fresh("delta-refused-delta").resolve("table");
        runDelta(input, delta, Map.of());
        Path parquet = TestInputs.fresh("delta-refused-parquet").resolve("table");
        run(input, parquet, Map.of());

        ValidationException toParquet = assertThrows(ValidationException.class,
                () -> run(input, delta, Map.of("overwrite", true)));
        assertTrue(toParquet.getMessage().contains("--table-format delta"), toParquet.getMessage());
        ValidationException toDelta = assertThrows(ValidationException.class,
                () -> runDelta(input, parquet, Map.of("incremental", true)));
        assertTrue(toDelta.getMessage().contains("not an mmps output written as Delta"), toDelta.getMessage());

        Path foreign = TestInputs.fresh("delta-refused-foreign").resolve("table");
        spark.range(3).write().format("delta").save(foreign.resolve("factors").toString());
        ValidationException other = assertThrows(ValidationException.class,
                () -> runDelta(input, foreign, Map.of("overwrite", true)));
        assertTrue(other.getMessage().contains("did not write"), other.getMessage());
        assertEquals(0L, dev.mmps.table.DeltaSnapshot.newestVersion(
                new org.apache.hadoop.fs.Path(foreign.resolve("factors").toUri()), conf), "another tool's table is untouched");
        ValidationException notMmps = assertThrows(ValidationException.class,
                () -> ManifestFiles.readTable(foreign.toString(), conf));
        assertTrue(notMmps.getMessage().contains("not written by mmps"), notMmps.getMessage());
        ValidationException version = assertThrows(ValidationException.class,
                () -> ManifestFiles.readTable(parquet.toString(), 0L, conf));
        assertTrue(version.getMessage().contains("Parquet output"), version.getMessage());
        assertNotNull(ManifestFiles.readTable(delta.toString(), conf).delta());
        assertFalse(Files.exists(foreign.resolve("manifest.json")));
    }

    /** What {@link #change} did to the input: one file changed, one removed, two added, one broken file added. */
    private record Changes(String changedId, long modified, String removed) {}

    private static Changes change(Path input) throws Exception {
        List<Path> cats = IncrementalCompressTest.sorted(input.resolve("cat"));
        Path changed = cats.get(0);
        Files.copy(cats.get(1), changed, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(changed, FileTime.fromMillis(Files.getLastModifiedTime(changed).toMillis() + 60_000));
        Files.delete(cats.get(2));
        for (Path p : IncrementalCompressTest.sorted(TestInputs.SAMPLES.resolve("cifar10").resolve("dog")).subList(5, 7)) {
            Files.copy(p, input.resolve("dog").resolve(p.getFileName()));
        }
        Files.writeString(input.resolve("dog").resolve("notes.jpg"), "not an image\n");
        return new Changes("cat/" + changed.getFileName(), Files.getLastModifiedTime(changed).toMillis(),
                "cat/" + cats.get(2).getFileName());
    }

    private Set<String> javaReaderIds(String output, Long version) throws java.io.IOException {
        Set<String> ids = new TreeSet<>();
        try (FactorTableReader reader = FactorTableReader.open(output, version, conf)) {
            reader.forEachRemaining(e -> assertTrue(ids.add(e.id()), "one row per image: " + e.id()));
        }
        return ids;
    }

    private List<String> operations(Path table, long version) {
        return spark.sql("DESCRIBE HISTORY delta.`" + table + "`").where("version = " + version)
                .select("operation").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    }

    private long deltaBytes(Path table) {
        long total = 0;
        for (String f : spark.read().format("delta").load(table.toString()).inputFiles()) {
            total += new java.io.File(java.net.URI.create(f)).length();
        }
        return total;
    }

    private static Map<String, Row> rows(List<Row> list) {
        Map<String, Row> rows = new HashMap<>();
        for (Row r : list) {
            assertNull(rows.put(r.getAs("id"), r), "one row per image");
        }
        return rows;
    }

    private static Set<String> ids(List<Row> list) {
        return list.stream().map(r -> r.<String>getAs("id")).collect(Collectors.toCollection(TreeSet::new));
    }
}
