package dev.mmps.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The compress job on a real standalone cluster (a master and two one-core workers, each its own
 * process, executors of 1 GB), submitted with SparkSubmit as a user would: it compresses the 800
 * ImageNet photographs at 224x224, finishes with one row per input when a worker is killed
 * mid-job, and leaves nothing that looks complete when the driver is killed, after which the same
 * command finishes with the rows of a clean run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(6);

    private static StandaloneCluster cluster;
    private static Path input;
    private static Path work;
    private static Path reference;
    private static SparkSession reader;

    @BeforeAll
    static void startCluster() throws Exception {
        Process extract = new ProcessBuilder(ROOT.resolve("scripts/extract-datasets.sh").toString()).inheritIO()
                .start();
        assertEquals(0, extract.waitFor(), "extracting ../shared/datasets");
        input = ROOT.resolve("target/datasets/imagenet-sample");
        work = Path.of("target", "cluster-it").toAbsolutePath();
        StandaloneCluster.deleteRecursively(work);
        cluster = StandaloneCluster.start(work.resolve("cluster"),
                StandaloneCluster.readClasspath(Path.of(System.getProperty("mmps.cluster.jars"))),
                StandaloneCluster.readJvmOptions(ROOT.resolve("conf/jvm.options")), 2, 1, "1200m");
        Files.writeString(work.resolve("progress.conf"), "mmps.progress-interval-seconds = 1\n");
        reader = SparkSession.builder().master("local[1]").appName("cluster-it-reader")
                .config("spark.ui.enabled", false).config("spark.driver.host", "127.0.0.1").getOrCreate();
    }

    @AfterAll
    static void stopCluster() {
        if (reader != null) {
            reader.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Submits {@code mmps compress} of the photographs into {@code output}. */
    private static Daemon compress(String name, Path output) throws IOException {
        return cluster.submit(name, List.of("--properties-file", ROOT.resolve("conf/spark-defaults.conf").toString(),
                "--executor-memory", "1g", "--driver-memory", "1g", "--class", "dev.mmps.spark.cli.Main",
                System.getProperty("mmps.cluster.app")),
                List.of("compress", "--input", input.toString(), "--output", output.toString(), "--size", "224x224",
                        "--config", work.resolve("progress.conf").toString()));
    }

    @Test
    @Order(1)
    void compressesEveryPhotographWithOneGigabyteExecutors() throws Exception {
        reference = work.resolve("clean");
        Daemon job = compress("clean", reference);
        assertEquals(0, job.waitFor(JOB_TIMEOUT), job.tail(60));
        assertEquals(inputIds(), factorRows(reference).keySet(), "one factor row per photograph");
    }

    @Test
    @Order(2)
    void aKilledWorkerCostsTimeNotRows() throws Exception {
        Path output = work.resolve("worker-killed");
        Daemon job = compress("worker-killed", output);
        job.awaitProgress(0.2, JOB_TIMEOUT);
        cluster.killWorker(1);
        assertEquals(0, job.waitFor(JOB_TIMEOUT), job.tail(60));
        assertEquals(1, cluster.liveWorkers());
        assertEquals(factorRows(reference), factorRows(output), "the same ids with the same factors, byte for byte");
        cluster.addWorker();
    }

    @Test
    @Order(3)
    void aKilledDriverLeavesNothingThatLooksCompleteAndTheSameCommandThenFinishes() throws Exception {
        Path output = work.resolve("driver-killed");
        Daemon first = compress("driver-killed-1", output);
        first.awaitProgress(0.2, JOB_TIMEOUT);
        first.kill();
        assertFalse(Files.exists(output), "a killed run must not leave an output behind");
        try (Stream<Path> siblings = Files.list(work)) {
            assertTrue(siblings.anyMatch(p -> p.getFileName().toString().startsWith(".driver-killed.staging-")),
                    "the killed run's staging folder is where its partial files are");
        }

        Daemon second = compress("driver-killed-2", output);
        assertEquals(0, second.waitFor(JOB_TIMEOUT), second.tail(60));
        assertEquals(factorRows(reference), factorRows(output), "the same ids with the same factors, byte for byte");
        try (Stream<Path> siblings = Files.list(work)) {
            assertFalse(siblings.anyMatch(p -> p.getFileName().toString().startsWith(".driver-killed.")),
                    "the rerun removes what the killed run left");
        }
    }

    /**
     * Every factor row by id: a digest of its stored factors (ranks and core bytes of every stage),
     * failing on a repeated id, on an id with both a factor and an error row, and on error rows
     * (every photograph of the sample compresses). Streams the rows, so memory stays small.
     */
    private static Map<String, String> factorRows(Path output) throws Exception {
        Map<String, String> rows = new TreeMap<>();
        var it = reader.read().parquet(output.resolve("factors").toString()).select("id", "stages").toLocalIterator();
        while (it.hasNext()) {
            Row r = it.next();
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            for (Row stage : r.<Row>getList(1)) {
                digest.update(stage.getList(0).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                for (Object core : stage.getList(1)) {
                    digest.update((byte[]) core);
                }
            }
            assertEquals(null, rows.put(r.getString(0), java.util.HexFormat.of().formatHex(digest.digest())),
                    "repeated id " + r.getString(0));
        }
        List<Row> errors = reader.read().parquet(output.resolve("errors").toString()).collectAsList();
        assertEquals(List.of(), errors, "every photograph of the sample compresses");
        return rows;
    }

    private static Set<String> inputIds() throws IOException {
        Set<String> ids = new TreeSet<>();
        try (Stream<Path> files = Files.walk(input)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                String name = input.relativize(p).toString();
                if (!p.getFileName().toString().startsWith(".")) {
                    ids.add(name);
                }
            }
        }
        return ids;
    }
}
