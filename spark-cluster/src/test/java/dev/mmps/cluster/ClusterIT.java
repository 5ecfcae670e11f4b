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
 * command finishes with the rows of a clean run; a Delta output's run killed between its two commits
 * leaves the previous version readable and is finished by the same command.
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
                .config("spark.ui.enabled", false).config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
                .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
                .getOrCreate();
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
     * A Delta output's run killed between its two commits (the error table's landed, the factor table's not):
     * readers still see the previous version whole, and the same command then finishes with the rows of a
     * clean run. Small CIFAR-10 images keep it quick: the first run takes 150, the killed one adds 50 and a
     * file that is not an image.
     */
    @Test
    @Order(4)
    void aDriverKilledBetweenDeltaCommitsLeavesThePreviousVersionAndTheSameCommandThenFinishes() throws Exception {
        Path images = work.resolve("delta-input");
        Path output = work.resolve("delta-out");
        List<Path> files;
        Path cifar = ROOT.resolve("samples/cifar10");
        try (Stream<Path> walk = Files.walk(cifar)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files.subList(0, 150)) {
            Files.createDirectories(images.resolve(cifar.relativize(f)).getParent());
            Files.createLink(images.resolve(cifar.relativize(f)), f);
        }
        Daemon first = compressDelta("delta-1", images, output);
        assertEquals(0, first.waitFor(JOB_TIMEOUT), first.tail(60));
        Map<String, String> before = factorRows(reader.read().format("delta").load(output.resolve("factors").toString()));
        for (Path f : files.subList(150, files.size())) {
            Files.createDirectories(images.resolve(cifar.relativize(f)).getParent());
            Files.createLink(images.resolve(cifar.relativize(f)), f);
        }
        // An unreadable file gives the error table a row, so the killed run has an error-table commit to make
        // (Delta skips a commit that would change nothing).
        Files.writeString(images.resolve("dog/notes.jpg"), "not an image\n");

        Daemon killed = compressDelta("delta-2", images, output);
        Path errorsCommit = output.resolve("errors/_delta_log/00000000000000000001.json");
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (!Files.exists(errorsCommit) && System.nanoTime() < deadline && killed.process().isAlive()) {
            Thread.sleep(10);
        }
        killed.kill();
        assertTrue(Files.exists(errorsCommit), "the run reached its error table's commit\n" + killed.tail(60));
        assertFalse(Files.exists(output.resolve("factors/_delta_log/00000000000000000001.json")),
                "killed before the factor table's commit");
        assertEquals(before, factorRows(reader.read().format("mmps").option("decode", "none").load(output.toString())),
                "readers see the previous version whole");

        Daemon rerun = compressDelta("delta-3", images, output);
        assertEquals(0, rerun.waitFor(JOB_TIMEOUT), rerun.tail(60));
        Path clean = work.resolve("delta-clean");
        Daemon cleanRun = compressDelta("delta-clean", images, clean);
        assertEquals(0, cleanRun.waitFor(JOB_TIMEOUT), cleanRun.tail(60));
        Map<String, String> expected = factorRows(reader.read().format("delta").load(clean.resolve("factors").toString()));
        assertEquals(files.size(), expected.size());
        assertEquals(1L, reader.read().format("delta").load(output.resolve("errors").toString()).count());
        assertEquals(expected, factorRows(reader.read().format("delta").load(output.resolve("factors").toString())),
                "the same ids with the same factors, byte for byte");
    }

    /**
     * {@code mmps compress --table-format delta} of CIFAR-10 images with a fixed layout and no calibration (so
     * that runs over different inputs plan every image alike), Delta's jars and settings given to spark-submit.
     */
    private static Daemon compressDelta(String name, Path images, Path output) throws IOException {
        String jars = String.join(",", StandaloneCluster.readClasspath(Path.of(System.getProperty("mmps.cluster.delta")))
                .stream().map(Path::toString).toList());
        return cluster.submit(name, List.of("--properties-file", ROOT.resolve("conf/spark-defaults.conf").toString(),
                "--executor-memory", "1g", "--driver-memory", "1g", "--jars", jars,
                "--conf", "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension",
                "--conf", "spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog",
                "--class", "dev.mmps.spark.cli.Main", System.getProperty("mmps.cluster.app")),
                List.of("compress", "--input", images.toString(), "--output", output.toString(), "--table-format",
                        "delta", "--incremental", "--max-bond", "6", "--layout", "block:2x2,4x4,2x2,2x2,1x1x3",
                        "--calibration-images", "0", "--config", work.resolve("progress.conf").toString()));
    }

    /** {@link #factorRows(Dataset)} of a Parquet output. */
    private static Map<String, String> factorRows(Path output) throws Exception {
        return factorRows(reader.read().parquet(output.resolve("factors").toString()), output);
    }

    /**
     * Every factor row by id: a digest of its stored factors (ranks and core bytes of every stage),
     * failing on a repeated id, on an id with both a factor and an error row, and on error rows
     * (every photograph of the sample compresses). Streams the rows, so memory stays small.
     */
    private static Map<String, String> factorRows(org.apache.spark.sql.Dataset<Row> factors, Path output)
            throws Exception {
        Map<String, String> rows = new TreeMap<>();
        var it = factors.select("id", "stages").toLocalIterator();
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
        if (output != null) {
            List<Row> errors = reader.read().parquet(output.resolve("errors").toString()).collectAsList();
            assertEquals(List.of(), errors, "every photograph of the sample compresses");
        }
        return rows;
    }

    /** Every factor row of a Delta table or a {@code format("mmps")} read by id, as {@link #factorRows(Path)}. */
    private static Map<String, String> factorRows(org.apache.spark.sql.Dataset<Row> factors) throws Exception {
        return factorRows(factors, null);
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
