package dev.mmps.spark.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.settings.ValidationException;
import dev.mmps.spark.SparkTestSession;
import dev.mmps.spark.TestInputs;
import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.table.ManifestFiles;
import dev.mmps.table.SubsetManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** {@code mmps select} on a real local SparkSession, real JPEGs and real Parquet. */
class SelectJobTest {

    private static final List<String> CIFAR_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");

    private final SparkSession spark = SparkTestSession.get();

    private static SubsetManifest select(Path input, Path output, Map<String, Object> settings) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("input", input.toString());
        o.put("output", output.toString());
        o.put("progress-interval-seconds", 60);
        o.putAll(settings);
        return new SelectJob(SparkTestSession.get(), ConfigLoader.loadSelection(null, o)).run();
    }

    private Set<String> ids(Path output) {
        Set<String> ids = new TreeSet<>();
        for (Row r : spark.read().parquet(output.resolve(SelectJob.SELECTION).toString()).select("id")
                .collectAsList()) {
            assertTrue(ids.add(r.getString(0)), "kept once: " + r.getString(0));
        }
        return ids;
    }

    @Test
    void keepsTheBudgetOfEachGroupTheSameWayHoweverSparkSplitsTheInput() throws Exception {
        Path input = TestInputs.fresh("select-cifar");
        TestInputs.copyCifar(input, 10);
        List<String> broken = TestInputs.writeBroken(input.resolve("cat"));
        Path out = TestInputs.fresh("select-out");
        Map<String, Object> settings = Map.of("selection.ratio", 0.3, "selection.group-images", 40,
                "spark.partitions", 3);

        SubsetManifest manifest = select(input, out.resolve("a"), settings);
        SubsetManifest.Counts counts = manifest.counts();
        assertEquals(100L + broken.size(), counts.inputs());
        assertEquals(100L, counts.images());
        assertEquals((long) broken.size(), counts.failed());
        assertEquals(30L, counts.selected());
        assertEquals(3, manifest.selection().groups());
        assertTrue(manifest.selection().coveringRadius() > 0);
        assertEquals(manifest, ManifestFiles.readSubset(out.resolve("a").toString(), new Configuration()),
                "the manifest on disk reads back as written");

        Set<String> kept = ids(out.resolve("a"));
        assertEquals(30, kept.size());
        for (String id : kept) {
            assertTrue(Files.isRegularFile(input.resolve(id)), id + " is an input image");
            assertFalse(broken.stream().anyMatch(b -> id.equals("cat/" + b)), id + " failed to decode");
        }
        Set<String> errors = new HashSet<>();
        spark.read().parquet(out.resolve("a/errors").toString()).select("id").collectAsList()
                .forEach(r -> errors.add(r.getString(0)));
        assertEquals(new HashSet<>(broken.stream().map(b -> "cat/" + b).toList()), errors);
        for (Row r : spark.read().parquet(out.resolve("a").resolve(SelectJob.SELECTION).toString())
                .select("label", "class_name", "pick", "radius").collectAsList()) {
            assertEquals(CIFAR_CLASSES.indexOf(r.getString(1)), r.getInt(0));
            assertEquals(r.getInt(2) == 0, r.isNullAt(3), "only a group's first pick has no radius");
        }

        select(input, out.resolve("b"), Map.of("selection.ratio", 0.3, "selection.group-images", 40,
                "spark.partitions", 1));
        assertEquals(kept, ids(out.resolve("b")), "the subset does not depend on the partitioning");

        select(input, out.resolve("c"), Map.of("selection.ratio", 0.3, "selection.group-images", 40,
                "selection.seed", 2));
        assertNotEquals(kept, ids(out.resolve("c")), "another seed starts elsewhere");

        SubsetManifest random = select(input, out.resolve("r"), Map.of("selection.method", "random",
                "selection.ratio", 0.5));
        assertEquals(50L, random.counts().selected());
        assertEquals(50, ids(out.resolve("r")).size());
        assertFalse(Files.exists(out.resolve("r/staged-features")), "staged features are removed");
    }

    @Test
    void badRequestsFailBeforeAnythingIsWritten() throws Exception {
        Path out = TestInputs.fresh("select-bad");
        Path idxInput = TestInputs.fresh("select-idx");
        TestInputs.writeIdx(idxInput, "train", 20, 28, 28);
        ValidationException idx = assertThrows(ValidationException.class,
                () -> select(idxInput, out.resolve("idx"), Map.of()));
        assertTrue(idx.getMessage().contains("IDX"), idx.getMessage());
        ValidationException method = assertThrows(ValidationException.class,
                () -> select(out, out.resolve("m"), Map.of("selection.method", "farthest")));
        assertTrue(method.getMessage().contains("'farthest'") && method.getMessage().contains("kcenter"),
                method.getMessage());
        ValidationException size = assertThrows(ValidationException.class,
                () -> select(out, out.resolve("s"), Map.of("selection.feature-size", "224x224")));
        assertTrue(size.getMessage().contains("--feature-size"), size.getMessage());
        Path input = TestInputs.fresh("select-tiny");
        TestInputs.copyCifar(input, 1);
        ValidationException none = assertThrows(ValidationException.class,
                () -> select(input, out.resolve("n"), Map.of("selection.ratio", 0.01)));
        assertTrue(none.getMessage().contains("keeps no image"), none.getMessage());
        assertFalse(Files.exists(out.resolve("n")));
    }
}
