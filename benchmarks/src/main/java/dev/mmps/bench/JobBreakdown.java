package dev.mmps.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a compress job's CPU time goes, per image. Two measurements of one run of the job (see
 * {@code benchmarks/job-breakdown.sh}): the CPU time of every thread of the JVM, read from
 * {@code /proc/PID/task} until it exits, grouped by what the threads are (Spark's task threads, the
 * driver's main thread, the JIT compilers, the garbage collector, Spark's other threads); and a Java
 * Flight Recorder profile, whose samples of the task threads (in Java and in native code, weighted by
 * their sampling periods) split the task threads' CPU time by what the code is doing. Prints Markdown
 * tables in microseconds of CPU per image.
 *
 * <pre>
 * java benchmarks/src/main/java/dev/mmps/bench/JobBreakdown.java JFR_FILE THREADS_TSV IMAGES
 * </pre>
 *
 * Needs only the JDK, so it runs as a single source file. {@code THREADS_TSV} has one line per thread:
 * {@code tid, name, CPU ticks (user + system)}, then a last line {@code ticks-per-second N}.
 */
public final class JobBreakdown {

    /** Spark's executor threads: {@code Executor task launch worker for task ...}, cut to 15 characters. */
    private static final String TASK_THREAD = "Executor task l";

    /** What the code of a task thread is doing, decided by the first frame from the leaf that one names. */
    private static final List<Map.Entry<String, String>> CODE = List.of(
            Map.entry("dev.mmps.tensor.", "compression kernel (TT-SVD, LAPACK, BLAS, quality)"),
            Map.entry("dev.mmps.images.", "decoding and preprocessing"),
            Map.entry("org.opencv.", "decoding and preprocessing"),
            Map.entry("com.github.luben.zstd.", "Parquet: encoding, zstd, writing"),
            Map.entry("org.apache.parquet.", "Parquet: encoding, zstd, writing"),
            Map.entry("org.apache.spark.sql.execution.datasources.", "Parquet: encoding, zstd, writing"),
            Map.entry("dev.mmps.spark.ingest.FileBytes", "reading the files"),
            Map.entry("org.apache.hadoop.", "reading the files"),
            Map.entry("sun.nio.ch.", "reading the files"),
            Map.entry("java.io.FileInputStream", "reading the files"),
            Map.entry("java.io.RandomAccessFile", "reading the files"),
            Map.entry("dev.mmps.table.", "building factor rows, encoding blobs"),
            Map.entry("dev.mmps.spark.sink.", "building factor rows, encoding blobs"),
            Map.entry("org.apache.spark.sql.catalyst.", "Spark: row conversion, generated code"),
            Map.entry("org.apache.spark.sql.execution.", "Spark: row conversion, generated code"),
            Map.entry("org.apache.spark.sql.", "Spark: row conversion, generated code"),
            Map.entry("dev.mmps.spark.", "mmps stage code"),
            Map.entry("org.apache.spark.", "Spark: task, scheduling, accumulators"),
            Map.entry("scala.", "Spark: task, scheduling, accumulators"));
    private static final String CLASS_LOADING = "class loading";
    private static final String JDK_OTHER = "JDK, other";

    private JobBreakdown() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: JobBreakdown JFR_FILE THREADS_TSV IMAGES");
            System.exit(2);
        }
        Path jfr = Path.of(args[0]);
        Map<String, Double> threads = threadSeconds(Path.of(args[1]));
        long images = Long.parseLong(args[2]);
        Map<String, Double> code = new LinkedHashMap<>();
        long samples = taskThreadCode(jfr, code);

        double total = threads.values().stream().mapToDouble(Double::doubleValue).sum();
        double tasks = threads.getOrDefault("Spark task threads", 0.0);
        System.out.printf(Locale.ROOT, "%,d images, %.1f s of CPU in all: %.0f us per image%n%n", images, total,
                total / images * 1e6);
        System.out.println("| threads | CPU s | us per image | share |");
        System.out.println("|---|---:|---:|---:|");
        threads.forEach((group, seconds) -> System.out.printf(Locale.ROOT, "| %s | %.1f | %.0f | %.1f%% |%n", group,
                seconds, seconds / images * 1e6, 100 * seconds / total));
        double weight = code.values().stream().mapToDouble(Double::doubleValue).sum();
        System.out.println();
        System.out.printf(Locale.ROOT, "The task threads' %.1f s by the code they run (%,d samples):%n%n", tasks,
                samples);
        System.out.println("| code | share of samples | us per image |");
        System.out.println("|---|---:|---:|");
        code.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> System.out.printf(Locale.ROOT, "| %s | %.1f%% | %.0f |%n", e.getKey(),
                        100 * e.getValue() / weight, tasks * e.getValue() / weight / images * 1e6));
    }

    /** CPU seconds of the JVM's threads by group, from the poller's last reading of each thread. */
    static Map<String, Double> threadSeconds(Path tsv) throws IOException {
        List<String> lines = Files.readAllLines(tsv);
        String last = lines.get(lines.size() - 1);
        if (!last.startsWith("ticks-per-second\t")) {
            throw new IllegalArgumentException(tsv + " does not end with its ticks-per-second line");
        }
        double perSecond = Double.parseDouble(last.split("\t")[1]);
        Map<String, Double> groups = new LinkedHashMap<>();
        for (String group : List.of("Spark task threads", "driver main thread", "JIT compilers",
                "garbage collector and VM", "Spark's other threads")) {
            groups.put(group, 0.0);
        }
        for (String line : lines.subList(0, lines.size() - 1)) {
            String[] f = line.split("\t");
            groups.merge(threadGroup(f[1]), Long.parseLong(f[2]) / perSecond, Double::sum);
        }
        return groups;
    }

    static String threadGroup(String name) {
        if (name.startsWith(TASK_THREAD)) {
            return "Spark task threads";
        } else if (name.equals("main") || name.equals("java")) {
            return "driver main thread";
        } else if (name.contains("CompilerThre")) {
            return "JIT compilers";
        } else if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.startsWith("VM ")) {
            return "garbage collector and VM";
        }
        return "Spark's other threads";
    }

    /**
     * Adds to {@code code} the seconds of sampled time of the task threads by code, each sample weighted by its
     * event's period, and returns how many samples there were.
     */
    static long taskThreadCode(Path jfr, Map<String, Double> code) throws IOException {
        Map<String, Duration> periods = new LinkedHashMap<>();
        List<RecordedEvent> samples = new java.util.ArrayList<>();
        try (RecordingFile file = new RecordingFile(jfr)) {
            while (file.hasMoreEvents()) {
                RecordedEvent e = file.readEvent();
                String type = e.getEventType().getName();
                if (type.equals("jdk.ActiveSetting") && e.getString("name").equals("period")) {
                    periods.put(Long.toString(e.getLong("id")), parsePeriod(e.getString("value")));
                } else if (type.equals("jdk.ExecutionSample") || type.equals("jdk.NativeMethodSample")) {
                    samples.add(e);
                }
            }
        }
        long counted = 0;
        for (RecordedEvent e : samples) {
            RecordedThread thread = e.getThread("sampledThread");
            if (thread == null || thread.getJavaName() == null
                    || !thread.getJavaName().startsWith("Executor task launch worker")) {
                continue;
            }
            Duration period = periods.get(Long.toString(e.getEventType().getId()));
            double seconds = period == null ? 0.01 : period.toNanos() / 1e9;
            code.merge(classify(e.getStackTrace()), seconds, Double::sum);
            counted++;
        }
        return counted;
    }

    private static Duration parsePeriod(String value) {
        String[] parts = value.trim().split(" ");
        if (parts.length != 2) {
            return null;
        }
        long n = Long.parseLong(parts[0]);
        return switch (parts[1]) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "us" -> Duration.ofNanos(n * 1000);
            case "ns" -> Duration.ofNanos(n);
            default -> null;
        };
    }

    /** The code a sampled stack is running: class loading anywhere on it, else the first frame a rule names. */
    static String classify(RecordedStackTrace stack) {
        if (stack == null) {
            return JDK_OTHER;
        }
        List<RecordedFrame> frames = stack.getFrames();
        for (RecordedFrame f : frames) {
            String type = f.getMethod().getType().getName();
            if (type.startsWith("jdk.internal.loader.") || (type.equals("java.lang.ClassLoader")
                    && f.getMethod().getName().startsWith("loadClass"))) {
                return CLASS_LOADING;
            }
        }
        for (RecordedFrame f : frames) {
            String type = f.getMethod().getType().getName();
            for (Map.Entry<String, String> rule : CODE) {
                if (type.startsWith(rule.getKey())) {
                    return rule.getValue();
                }
            }
        }
        return JDK_OTHER;
    }
}
