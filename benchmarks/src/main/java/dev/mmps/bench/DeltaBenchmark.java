package dev.mmps.bench;

import dev.mmps.spark.compress.CompressJob;
import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.table.FactorTableReader;
import dev.mmps.table.ManifestFiles;
import dev.mmps.table.TableManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * Outputs of Delta tables against Parquet outputs, in one local[2] session: a full compress run of 99% of an
 * image folder, then an incremental run that finds the last 1% new, for each format, alternating, {@code rounds}
 * times; then the time the readers without Spark take to find a version's files and manifest. The input is a
 * tree of hard links to the folder's files, so the 1% can be added without copying. Prints seconds, the ratio
 * of Delta to Parquet in the same round, and the bytes each output folder holds.
 *
 * <pre>
 * benchmarks/delta-tables.sh [INPUT] [ROUNDS]
 * </pre>
 */
public final class DeltaBenchmark {

    private static final double NEW_SHARE = 0.01;

    private DeltaBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path source = Path.of(args.length > 0 ? args[0] : "target/datasets/cifar10/train").toAbsolutePath();
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path work = Path.of("target/bench-out/delta-tables").toAbsolutePath();
        SparkSession spark = SparkSession.builder().master("local[2]").appName("mmps-delta-tables")
                .config("spark.ui.enabled", false)
                .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
                .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
                .getOrCreate();
        List<Path> files = images(source);
        int kept = (int) Math.round(files.size() * (1 - NEW_SHARE));
        System.out.printf(Locale.ROOT, "input %s: %,d images, full run on %,d, incremental adds %,d; local[2], %d "
                + "round(s)%n", source, files.size(), kept, files.size() - kept, rounds);
        System.out.println("| round | run | parquet s | delta s | delta / parquet |");
        System.out.println("|---:|---|---:|---:|---:|");
        Map<String, Path> outputs = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            double[] full = new double[2];
            double[] incremental = new double[2];
            String[] formats = {"parquet", "delta"};
            for (int f = 0; f < 2; f++) {
                Path input = work.resolve("input-" + formats[f]);
                Path output = work.resolve("out-" + formats[f]);
                delete(input);
                delete(output);
                link(source, files.subList(0, kept), input);
                full[f] = run(spark, input, output, formats[f], false);
                link(source, files.subList(kept, files.size()), input);
                incremental[f] = run(spark, input, output, formats[f], true);
                outputs.put(formats[f], output);
            }
            System.out.printf(Locale.ROOT, "| %d | full | %.1f | %.1f | %.2f |%n", round, full[0], full[1],
                    full[1] / full[0]);
            System.out.printf(Locale.ROOT, "| %d | incremental (%.0f%% new) | %.1f | %.1f | %.2f |%n", round,
                    NEW_SHARE * 100, incremental[0], incremental[1], incremental[1] / incremental[0]);
        }
        System.out.println();
        System.out.println("| output | bytes in the folder | bytes of the newest version | files of the newest "
                + "version | find files and manifest, ms |");
        System.out.println("|---|---:|---:|---:|---:|");
        Configuration conf = new Configuration();
        for (Map.Entry<String, Path> o : outputs.entrySet()) {
            String out = o.getValue().toString();
            long t = System.nanoTime();
            int reps = 20;
            TableManifest manifest = null;
            int parts = 0;
            for (int i = 0; i < reps; i++) {
                manifest = ManifestFiles.readTable(out, conf);
                parts = FactorTableReader.parts(out, conf).size();
            }
            double ms = (System.nanoTime() - t) / 1e6 / reps;
            System.out.printf(Locale.ROOT, "| %s | %,d | %,d | %d | %.1f |%n", o.getKey(), folderBytes(o.getValue()),
                    manifest.totals().storedBytes() + manifest.totals().errorTableBytes(), parts, ms);
        }
        spark.stop();
    }

    private static double run(SparkSession spark, Path input, Path output, String format, boolean incremental) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("input", input.toString());
        o.put("output", output.toString());
        o.put("incremental", incremental);
        o.put("output-format.table", format);
        o.put("progress-interval-seconds", 600);
        long t = System.nanoTime();
        new CompressJob(spark, ConfigLoader.load(null, o)).run();
        return (System.nanoTime() - t) / 1e9;
    }

    /** The image files under {@code root}, relative to it, in an order that mixes the classes. */
    private static List<Path> images(Path root) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(Files::isRegularFile).forEach(p -> files.add(root.relativize(p)));
        }
        files.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).thenComparing(Path::toString));
        return files;
    }

    private static void link(Path source, List<Path> files, Path into) throws IOException {
        for (Path f : files) {
            Path target = into.resolve(f);
            Files.createDirectories(target.getParent());
            Files.createLink(target, source.resolve(f));
        }
    }

    private static long folderBytes(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void delete(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
