package dev.mmps.spark.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.settings.ValidationException;
import dev.mmps.spark.SparkTestSession;
import dev.mmps.spark.TestInputs;
import dev.mmps.table.DeltaSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The log replay of the readers without Spark ({@link DeltaSnapshot}) against Delta's own reader: at every
 * version of a table with appends, deletes, an overwrite and checkpoints, both name the same data files.
 */
class DeltaSnapshotTest {

    private final SparkSession spark = SparkTestSession.get();
    private final Configuration conf = new Configuration();

    @Test
    void everyVersionHasTheFilesDeltaItselfReads() throws IOException {
        Path table = TestInputs.fresh("delta-snapshot").resolve("t");
        String path = table.toString();
        spark.range(0, 40, 1, 4).write().format("delta").save(path);
        // A checkpoint every two commits, so the replay starts from checkpoints as well as from version 0.
        spark.sql("ALTER TABLE delta.`" + path + "` SET TBLPROPERTIES ('delta.checkpointInterval' = '2')");
        spark.range(40, 60, 1, 2).write().format("delta").mode("append").save(path);
        spark.sql("DELETE FROM delta.`" + path + "` WHERE id % 10 = 3");
        spark.range(100, 110, 1, 1).write().format("delta").mode("append").save(path);
        spark.range(0, 7, 1, 3).write().format("delta").mode("overwrite").save(path);
        spark.range(7, 9, 1, 1).write().format("delta").mode("append").save(path);
        long newest = DeltaSnapshot.newestVersion(hadoop(table), conf);
        assertEquals(6, newest);
        assertTrue(Files.exists(table.resolve("_delta_log").resolve(String.format("%020d.checkpoint.parquet", 4))),
                "the table has a checkpoint to start from");

        for (long v = 0; v <= newest; v++) {
            DeltaSnapshot snapshot = DeltaSnapshot.read(hadoop(table), v, conf);
            assertEquals(deltaFiles(path, v), names(snapshot), "files of version " + v);
            assertEquals(v, snapshot.version());
        }
        assertEquals(deltaFiles(path, newest), names(DeltaSnapshot.read(hadoop(table), null, conf)));

        // Without the commits before the checkpoint, versions from the checkpoint on still read; older ones say why not.
        try (Stream<Path> log = Files.list(table.resolve("_delta_log"))) {
            for (Path f : log.filter(f -> f.getFileName().toString().matches("0{19}[0-2]\\.json")).toList()) {
                Files.delete(f);
            }
        }
        assertEquals(deltaFiles(path, 5), names(DeltaSnapshot.read(hadoop(table), 5L, conf)));
        ValidationException old = assertThrows(ValidationException.class,
                () -> DeltaSnapshot.read(hadoop(table), 1L, conf));
        assertTrue(old.getMessage().contains("version 1"), old.getMessage());
    }

    @Test
    void tablesThatNeedMoreThanTheReplayReadsAreRefused() {
        Path table = TestInputs.fresh("delta-snapshot-dv").resolve("t");
        String path = table.toString();
        spark.range(0, 20, 1, 2).write().format("delta").save(path);
        spark.sql("ALTER TABLE delta.`" + path + "` SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')");
        spark.sql("DELETE FROM delta.`" + path + "` WHERE id = 3");
        ValidationException e = assertThrows(ValidationException.class,
                () -> DeltaSnapshot.read(hadoop(table), null, conf));
        assertTrue(e.getMessage().contains("deletion vectors"), e.getMessage());
        assertFalse(DeltaSnapshot.read(hadoop(table), 0L, conf).files().isEmpty(), "versions before them still read");
    }

    private Set<String> deltaFiles(String path, long version) {
        return Stream.of(spark.read().format("delta").option("versionAsOf", version).load(path).inputFiles())
                .map(f -> java.net.URI.create(f).getPath()).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> names(DeltaSnapshot snapshot) {
        return snapshot.files().stream().map(f -> Path.of(f.path().toUri().getPath()).toAbsolutePath().toString())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static org.apache.hadoop.fs.Path hadoop(Path p) {
        return new org.apache.hadoop.fs.Path(p.toUri());
    }
}
