package dev.mmps.bench;

import dev.mmps.spark.compress.CompressJob;
import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.spark.ml.MmpsEncoder;
import dev.mmps.spark.ml.MmpsEncoderModel;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark-native surfaces against the command line, in one local[2] session: the pipeline stage
 * ({@code MmpsEncoder} fitted on the input, its rows written as Parquet) against the compress job on the same
 * image folder, alternating, {@code rounds} times each; then scans of the job's table through
 * {@code format("mmps")}: labels and ids only, every stored column, and with the images rebuilt. Prints seconds,
 * ratios to the baseline of the same round, and the bytes the scans' tasks read.
 *
 * <pre>
 * benchmarks/spark-surfaces.sh [INPUT] [ROUNDS]
 * </pre>
 */
public final class SparkSurfacesBenchmark {

    private SparkSurfacesBenchmark() {}

    public static void main(String[] args) throws Exception {
        String input = args.length > 0 ? args[0] : "target/datasets/cifar10/train";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        String out = "target/bench-out/spark-surfaces";
        // binaryFile packs files into partitions as if each cost 4 MB to open: 50,000 small JPEGs would be 1,600
        // tasks and as many Parquet files. An open cost near the files' size packs them into a few dozen.
        SparkSession spark = SparkSession.builder().master("local[2]").appName("mmps-spark-surfaces")
                .config("spark.ui.enabled", false).config("spark.sql.files.openCostInBytes", 65536).getOrCreate();
        System.out.printf("input %s, local[2], %d round(s)%n", input, rounds);
        System.out.println("| round | compress s | encoder fit s | encoder transform+write s | encoder / compress |");
        System.out.println("|---:|---:|---:|---:|---:|");
        for (int round = 1; round <= rounds; round++) {
            long t0 = System.nanoTime();
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("input", input);
            o.put("output", out + "/job");
            o.put("overwrite", true);
            o.put("progress-interval-seconds", 600);
            new CompressJob(spark, ConfigLoader.load(null, o)).run();
            double job = seconds(t0);
            long t1 = System.nanoTime();
            Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", true).load(input);
            MmpsEncoderModel model = new MmpsEncoder().setInputCol("content").setRoot(input).fit(files);
            double fit = seconds(t1);
            long t2 = System.nanoTime();
            model.transform(files).write().mode(SaveMode.Overwrite).option("compression", "zstd")
                    .parquet(out + "/encoder");
            double transform = seconds(t2);
            System.out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %.1f | %.2f |%n", round, job, fit, transform,
                    (fit + transform) / job);
        }
        String table = out + "/job";
        System.out.println();
        System.out.println("| scan of the job's table | s | bytes read | s / labels-only |");
        System.out.println("|---|---:|---:|---:|");
        double labels = 0;
        for (int round = 1; round <= rounds; round++) {
            for (String[] scan : new String[][] {{"labels and ids", "image", "id,label"}, {"every stored column",
                "none", ""}, {"images rebuilt (array)", "array", "id,label,image"}}) {
                Dataset<Row> df = spark.read().format("mmps").option("decode", scan[1]).load(table);
                if (!scan[2].isEmpty()) {
                    df = df.selectExpr(scan[2].split(","));
                }
                Dataset<Row> query = df;
                long t = System.nanoTime();
                long bytes = bytesRead(spark, () -> query.write().format("noop").mode(SaveMode.Overwrite).save());
                double s = seconds(t);
                if (scan[2].equals("id,label")) {
                    labels = s;
                }
                System.out.printf(Locale.ROOT, "| %s (round %d) | %.2f | %,d | %.1f |%n", scan[0], round, s, bytes,
                        s / labels);
            }
        }
        spark.stop();
    }

    private static long bytesRead(SparkSession spark, Runnable query) throws Exception {
        AtomicLong bytes = new AtomicLong();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskMetrics() != null) {
                    bytes.addAndGet(end.taskMetrics().inputMetrics().bytesRead());
                }
            }
        };
        spark.sparkContext().addSparkListener(listener);
        try {
            query.run();
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
        return bytes.get();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
