package dev.mmps.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Whole-job measurements on a standalone cluster and in local mode, all through SparkSubmit with
 * the same jars and flags: images per second on one worker and on two (and local[1] against
 * local[2]); the time a worker killed mid-job costs; an incremental re-run with nothing new against
 * a full run; and the driver's heap after garbage collection for two input sizes, to show it does
 * not grow with the number of images. Prints Markdown tables. Run from the repository root:
 *
 * <pre>
 * mvn -B -ntp -q -Pcluster -DskipTests package
 * benchmarks/cluster-jobs.sh
 * </pre>
 */
public final class ClusterBenchmark {

    private static final Duration TIMEOUT = Duration.ofMinutes(30);
    private static final Pattern GC_AFTER = Pattern.compile("(\\d+)M->(\\d+)M\\(\\d+M\\)");
    private static final Pattern SECONDS = Pattern.compile("\"seconds\"\\s*:\\s*([0-9.]+)");

    private final Path root;
    private final Path work;
    private final Path app;
    private final List<Path> jars;
    private final List<String> jvmOptions;

    private ClusterBenchmark(Path root, Path work) {
        this.root = root;
        this.work = work;
        this.app = root.resolve("spark-jobs/target/mmps.jar");
        this.jars = StandaloneCluster.readClasspath(root.resolve("spark-cluster/target/spark-jars.txt"));
        this.jvmOptions = StandaloneCluster.readJvmOptions(root.resolve("conf/jvm.options"));
    }

    /**
     * @param args {@code photographs-folder cifar-train-folder}: the ImageNet sample (compressed at
     *     224x224) and CIFAR-10's training set (for the driver-heap runs)
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ClusterBenchmark PHOTOGRAPHS_FOLDER CIFAR_TRAIN_FOLDER");
            System.exit(2);
        }
        Path root = Path.of("").toAbsolutePath();
        ClusterBenchmark bench = new ClusterBenchmark(root, root.resolve("target/bench-out/cluster"));
        bench.run(Path.of(args[0]).toAbsolutePath(), Path.of(args[1]).toAbsolutePath());
    }

    private void run(Path photographs, Path cifar) throws Exception {
        StandaloneCluster.deleteRecursively(work);
        Files.createDirectories(work);
        Files.writeString(work.resolve("progress.conf"), "mmps.progress-interval-seconds = 1\n");
        List<String> photoArgs = List.of("--input", photographs.toString(), "--size", "224x224");
        System.out.println("| run | workers or master | wall s | job s | images/s |");
        System.out.println("|---|---|---:|---:|---:|");
        try (StandaloneCluster cluster = StandaloneCluster.start(work.resolve("cluster"), jars, jvmOptions, 1, 1,
                "1200m")) {
            double local1 = timed(cluster, "local-1", "local[1]", photoArgs, null)[1];
            double local2 = timed(cluster, "local-2", "local[2]", photoArgs, null)[1];
            double one = timed(cluster, "cluster-1", cluster.masterUrl(), photoArgs, null)[1];
            cluster.addWorker();
            double[] twoTimes = timed(cluster, "cluster-2", cluster.masterUrl(), photoArgs, null);
            double two = twoTimes[1];
            double killed = timed(cluster, "cluster-2-kill", cluster.masterUrl(), photoArgs, 1)[1];
            System.out.println();
            System.out.printf(Locale.ROOT, "local[2] / local[1] speed: %.2fx; two workers / one: %.2fx; "
                    + "a worker killed at 30%%: %+.1f s (%.2fx the clean two-worker run)%n", local1 / local2,
                    one / two, killed - two, killed / two);

            Path output = work.resolve("out-cluster-2");
            double full = twoTimes[0];
            Daemon again = submit(cluster, "incremental-noop", cluster.masterUrl(), List.of(), photoArgs, output,
                    List.of("--incremental"));
            long t = System.nanoTime();
            expectSuccess(again);
            double noop = (System.nanoTime() - t) / 1e9;
            System.out.printf(Locale.ROOT, "incremental re-run with nothing new: %.1f s wall against %.1f s wall for "
                    + "the full job (%.0f%%)%n%n", noop, full, 100 * noop / full);

            System.out.println("| driver heap | images | peak heap after GC MB | GCs |");
            System.out.println("|---|---:|---:|---:|");
            Path tenThousand = subset(cifar, 1000);
            for (Path in : List.of(tenThousand, cifar)) {
                driverHeap(cluster, in);
            }
        }
    }

    /**
     * Runs one compress job and prints its row; kills worker {@code killWorker} at 30% if given.
     *
     * @return the wall time of the submission and the job's own time (its manifest's), in seconds
     */
    private double[] timed(StandaloneCluster cluster, String name, String master, List<String> input,
            Integer killWorker) throws Exception {
        Path output = work.resolve("out-" + name);
        long start = System.nanoTime();
        Daemon job = submit(cluster, name, master, List.of(), input, output, List.of());
        if (killWorker != null) {
            job.awaitProgress(0.3, TIMEOUT);
            cluster.killWorker(killWorker);
        }
        expectSuccess(job);
        double wall = (System.nanoTime() - start) / 1e9;
        double seconds = jobSeconds(output);
        long images = Long.parseLong(manifestValue(output, "\"images\"\\s*:\\s*(\\d+)"));
        System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.1f |%n", name,
                master.startsWith("local") ? master : cluster.liveWorkers() + " x 1 core", wall, seconds,
                images / seconds);
        return new double[] {wall, seconds};
    }

    private void driverHeap(StandaloneCluster cluster, Path input) throws Exception {
        String name = "heap-" + input.getFileName();
        Path gcLog = work.resolve(name + "-gc.log");
        Daemon job = submit(cluster, name, cluster.masterUrl(), List.of("-Xlog:gc:file=" + gcLog),
                List.of("--input", input.toString()), work.resolve("out-" + name), List.of());
        expectSuccess(job);
        long peak = 0;
        int collections = 0;
        Matcher m = GC_AFTER.matcher(Files.readString(gcLog));
        while (m.find()) {
            peak = Math.max(peak, Long.parseLong(m.group(2)));
            collections++;
        }
        long images = Long.parseLong(manifestValue(work.resolve("out-" + name), "\"images\"\\s*:\\s*(\\d+)"));
        System.out.printf(Locale.ROOT, "| %s | %,d | %d | %d |%n", input.getFileName(), images, peak, collections);
    }

    private Daemon submit(StandaloneCluster cluster, String name, String master, List<String> driverFlags,
            List<String> input, Path output, List<String> extra) throws IOException {
        List<String> app = new ArrayList<>(List.of("compress"));
        app.addAll(input);
        app.addAll(List.of("--output", output.toString(), "--config", work.resolve("progress.conf").toString()));
        app.addAll(extra);
        return cluster.submit(name, master, driverFlags, List.of("--properties-file",
                root.resolve("conf/spark-defaults.conf").toString(), "--class", "dev.mmps.spark.cli.Main",
                this.app.toString()), app);
    }

    private static void expectSuccess(Daemon job) {
        int code = job.waitFor(TIMEOUT);
        if (code != 0) {
            throw new IllegalStateException(job.name() + " failed with exit code " + code + ":\n" + job.tail(60));
        }
    }

    private static double jobSeconds(Path output) throws IOException {
        return Double.parseDouble(manifestValue(output, SECONDS.pattern()));
    }

    private static String manifestValue(Path output, String regex) throws IOException {
        Matcher m = Pattern.compile(regex).matcher(Files.readString(output.resolve("manifest.json")));
        if (!m.find()) {
            throw new IllegalStateException(output + "/manifest.json has no match for " + regex);
        }
        return m.group(1);
    }

    /** The first {@code perClass} images of every class, as hard links in a folder of its own. */
    private Path subset(Path classes, int perClass) throws IOException {
        Path out = work.resolve(classes.getFileName() + "-" + perClass + "-per-class");
        try (Stream<Path> folders = Files.list(classes)) {
            for (Path folder : folders.sorted().toList()) {
                Path to = Files.createDirectories(out.resolve(folder.getFileName()));
                try (Stream<Path> files = Files.list(folder)) {
                    for (Path f : files.sorted().limit(perClass).toList()) {
                        Files.createLink(to.resolve(f.getFileName()), f);
                    }
                }
            }
        }
        return out;
    }
}
