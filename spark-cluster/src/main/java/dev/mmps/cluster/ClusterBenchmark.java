package dev.mmps.cluster;

import dev.mmps.table.ManifestFiles;
import dev.mmps.table.TableManifest;
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
import org.apache.hadoop.conf.Configuration;

/**
 * Whole-job measurements on a standalone cluster and in local mode, all through SparkSubmit with
 * the same jars and flags. For each input: images per second on local[1] and local[2], on one
 * worker's core and on two workers; the time a worker killed at 30% costs; an incremental re-run
 * with nothing new against the full run; and, for every run, the driver's peak heap after garbage
 * collection (from its GC log), to show it does not grow with the number of images. Prints
 * Markdown tables. Run from the repository root:
 *
 * <pre>
 * benchmarks/cluster-jobs.sh
 * </pre>
 *
 * <p>With {@code --driver-heap FOLDER...} it runs only the two-worker job and the incremental re-run with
 * nothing new over each folder (the ImageNet-shaped trees of {@code benchmarks/imagenet-scale.sh}), for the
 * driver's heap from 50,000 to 1.28 million inputs; there the driver's context cleaner also collects the whole
 * heap every 5 s, and the largest heap left after those collections is the driver's live set.
 */
public final class ClusterBenchmark {

    private static final Duration TIMEOUT = Duration.ofMinutes(30);
    private static final Pattern GC_AFTER = Pattern.compile("(\\d+)M->(\\d+)M\\(\\d+M\\)");
    /** A full collection asked for by Spark's context cleaner ({@link #LIVE_HEAP_EVERY}): what is left is live. */
    private static final Pattern FULL_GC_AFTER =
            Pattern.compile("Pause Full \\(System.gc\\(\\)\\) (\\d+)M->(\\d+)M");
    /**
     * For {@code --driver-heap}: the driver's context cleaner collects the whole heap this often, so that the
     * heap left after those collections is the live set at that moment, not live data plus old garbage.
     */
    private static final List<String> LIVE_HEAP_EVERY = List.of("--conf", "spark.cleaner.periodicGC.interval=5s");

    /** One input to measure: a name and the compress arguments that read it. */
    private record Workload(String name, List<String> args) {}

    /** One way to run a job: its label, the master, SparkSubmit's extra arguments, mmps's. */
    private record Setup(String label, String master, List<String> submitArgs, List<String> appArgs) {}

    /** What one run measured; {@code job} is NaN for a run that wrote no manifest. */
    private record Timing(double wall, double job, long peakHeapMb) {}

    private static final String HEADER = "| data | run | wall s | job s | images/s (job) "
            + "| driver heap after GC, peak MB | live heap at full GCs, peak MB |\n|---|---|---:|---:|---:|---:|---:|";

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
     *     224x224) and CIFAR-10's training set (all 50,000 images, and 10,000 of them)
     */
    public static void main(String[] args) throws Exception {
        boolean heapOnly = args.length > 1 && args[0].equals("--driver-heap");
        if (!heapOnly && args.length != 2) {
            System.err.println("usage: ClusterBenchmark PHOTOGRAPHS_FOLDER CIFAR_TRAIN_FOLDER\n"
                    + "       ClusterBenchmark --driver-heap FOLDER...");
            System.exit(2);
        }
        Path root = Path.of("").toAbsolutePath();
        ClusterBenchmark benchmark = new ClusterBenchmark(root, root.resolve("target/bench-out/cluster"));
        if (heapOnly) {
            benchmark.driverHeap(Stream.of(args).skip(1).map(a -> Path.of(a).toAbsolutePath()).toList());
        } else {
            benchmark.run(Path.of(args[0]).toAbsolutePath(), Path.of(args[1]).toAbsolutePath());
        }
    }

    /** The two-worker job and an incremental re-run with nothing new over each folder, one row each. */
    private void driverHeap(List<Path> folders) throws Exception {
        prepare();
        System.out.println(HEADER);
        try (StandaloneCluster cluster = StandaloneCluster.start(work.resolve("cluster"), jars, jvmOptions, 2, 1,
                "1200m")) {
            String master = cluster.masterUrl();
            for (Path folder : folders) {
                Workload w = new Workload(folder.getFileName().toString(), List.of("--input", folder.toString()));
                timed(cluster, w, new Setup("2 workers", master, LIVE_HEAP_EVERY, List.of()), false);
                timed(cluster, w, new Setup("2 workers, incremental, nothing new", master, LIVE_HEAP_EVERY,
                        List.of("--incremental")), false);
            }
        }
    }

    private void prepare() throws IOException {
        StandaloneCluster.deleteRecursively(work);
        Files.createDirectories(work);
        Files.writeString(work.resolve("progress.conf"), "mmps.progress-interval-seconds = 1\n");
    }

    private void run(Path photographs, Path cifar) throws Exception {
        prepare();
        List<Workload> workloads = List.of(
                new Workload("photographs-224", List.of("--input", photographs.toString(), "--size", "224x224")),
                new Workload("cifar-10k", List.of("--input", subset(cifar, 1000).toString())),
                new Workload("cifar-50k", List.of("--input", cifar.toString())));
        System.out.println(HEADER);
        List<String> summary = new ArrayList<>();
        try (StandaloneCluster cluster = StandaloneCluster.start(work.resolve("cluster"), jars, jvmOptions, 2, 1,
                "1200m")) {
            String master = cluster.masterUrl();
            for (Workload w : workloads) {
                Timing local1 = timed(cluster, w, new Setup("local[1]", "local[1]", List.of(), List.of()), false);
                Timing local2 = timed(cluster, w, new Setup("local[2]", "local[2]", List.of(), List.of()), false);
                Timing one = timed(cluster, w, new Setup("1 worker", master,
                        List.of("--total-executor-cores", "1"), List.of()), false);
                Timing two = timed(cluster, w, new Setup("2 workers", master, List.of(), List.of()), false);
                Timing killed = timed(cluster, w, new Setup("2 workers, one killed at 30%", master, List.of(),
                        List.of()), true);
                cluster.addWorker();
                Timing noop = timed(cluster, w, new Setup("2 workers, incremental, nothing new", master, List.of(),
                        List.of("--incremental")), false);
                summary.add(String.format(Locale.ROOT, "| %s | %.2fx | %.2fx | %+.1f s (%.2fx) | %.1f s of %.1f s "
                        + "(%.0f%%) |", w.name(), local1.job() / local2.job(), one.job() / two.job(),
                        killed.job() - two.job(), killed.job() / two.job(), noop.wall(), two.wall(),
                        100 * noop.wall() / two.wall()));
            }
        }
        System.out.println();
        System.out.println("| data | local[2] over local[1] | two workers over one | a worker killed at 30% "
                + "| incremental re-run with nothing new (wall) |");
        System.out.println("|---|---:|---:|---:|---:|");
        summary.forEach(System.out::println);
    }

    /**
     * Runs one compress job and prints its row. The two-worker run and the incremental re-run
     * share an output, so the re-run finds a complete table; {@code kill} kills a worker once 30%
     * of the images are done.
     */
    private Timing timed(StandaloneCluster cluster, Workload w, Setup setup, boolean kill) throws Exception {
        String name = w.name() + "-" + setup.label().replaceAll("[^A-Za-z0-9]+", "-");
        boolean shared = setup.label().equals("2 workers") || !setup.appArgs().isEmpty();
        Path output = work.resolve("out-" + (shared ? w.name() + "-2-workers" : name));
        Path gcLog = work.resolve(name + "-gc.log");
        long start = System.nanoTime();
        Daemon job = submit(cluster, name, setup, List.of("-Xlog:gc:file=" + gcLog), w.args(), output);
        if (kill) {
            job.awaitProgress(0.3, TIMEOUT);
            cluster.killLastLiveWorker();
        }
        expectSuccess(job);
        double wall = (System.nanoTime() - start) / 1e9;
        boolean wroteManifest = setup.appArgs().isEmpty();
        TableManifest manifest = ManifestFiles.readTable(output.toString(), new Configuration());
        double seconds = wroteManifest ? manifest.timing().seconds() : Double.NaN;
        long images = manifest.counts().images();
        long peak = peakHeapAfter(gcLog, GC_AFTER);
        long live = peakHeapAfter(gcLog, FULL_GC_AFTER);
        System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %s | %s | %d | %s |%n", w.name(), setup.label(), wall,
                wroteManifest ? String.format(Locale.ROOT, "%.1f", seconds) : "",
                wroteManifest ? String.format(Locale.ROOT, "%,.0f", images / seconds) : "", peak,
                live > 0 ? Long.toString(live) : "");
        return new Timing(wall, seconds, peak);
    }

    private Daemon submit(StandaloneCluster cluster, String name, Setup setup, List<String> driverFlags,
            List<String> input, Path output) throws IOException {
        List<String> appArgs = new ArrayList<>(List.of("compress"));
        appArgs.addAll(input);
        appArgs.addAll(List.of("--output", output.toString(), "--config", work.resolve("progress.conf").toString()));
        appArgs.addAll(setup.appArgs());
        List<String> submitArgs = new ArrayList<>(List.of("--properties-file",
                root.resolve("conf/spark-defaults.conf").toString()));
        submitArgs.addAll(setup.submitArgs());
        submitArgs.addAll(List.of("--class", "dev.mmps.spark.cli.Main", app.toString()));
        return cluster.submit(name, setup.master(), driverFlags, submitArgs, appArgs);
    }

    private static void expectSuccess(Daemon job) {
        int code = job.waitFor(TIMEOUT);
        if (code != 0) {
            throw new IllegalStateException(job.name() + " failed with exit code " + code + ":\n" + job.tail(60));
        }
    }

    /** The largest heap left after the collections {@code after} matches in a GC log (its second group, MB). */
    private static long peakHeapAfter(Path gcLog, Pattern after) throws IOException {
        long peak = 0;
        if (Files.exists(gcLog)) {
            Matcher m = after.matcher(Files.readString(gcLog));
            while (m.find()) {
                peak = Math.max(peak, Long.parseLong(m.group(2)));
            }
        }
        return peak;
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
