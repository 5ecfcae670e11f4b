package dev.mmps.bench;

import dev.mmps.images.ChannelMode;
import dev.mmps.images.ImageFailure;
import dev.mmps.images.Preprocess;
import dev.mmps.table.FactorTableReader;
import dev.mmps.tensor.codec.MmpsFactors;
import dev.mmps.tensor.linalg.JavaGemm;
import dev.mmps.tensor.tt.MpsContractor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;

/**
 * Time to rebuild and iterate over every image of a factor table with the Java reader, against
 * reading and decoding the source JPEGs with the decoder the job uses, one thread each.
 *
 * <pre>
 * mvn -q -Pbench package -DskipTests
 * java -cp "benchmarks/target/classes:spark-jobs/target/mmps.jar:$(cat spark-jobs/target/spark-classpath.txt)" \
 *   dev.mmps.bench.ReaderBenchmark target/bench-out/cifar10-train-0.3 target/datasets/cifar10/train
 * </pre>
 */
public final class ReaderBenchmark {

    private ReaderBenchmark() {}

    public static void main(String[] args) throws Exception {
        String table = args[0];
        Path images = Path.of(args[1]);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(images)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        Preprocess decoder = new Preprocess(0, 0, ChannelMode.AUTO, 100_000_000L);
        for (int round = 1; round <= 2; round++) {
            long t = System.nanoTime();
            double sum = 0;
            for (Path f : files) {
                sum += decode(decoder, f);
            }
            double jpeg = (System.nanoTime() - t) / 1e9;
            t = System.nanoTime();
            long rows = 0;
            double rebuiltSum = 0;
            try (FactorTableReader reader = FactorTableReader.open(table, new Configuration())) {
                while (reader.hasNext()) {
                    float[] p = reader.reconstruct(reader.next());
                    rebuiltSum += p[0];
                    rows++;
                }
            }
            double factors = (System.nanoTime() - t) / 1e9;
            // The same rows contracted with plain Java products, the reader's only way before native ones.
            t = System.nanoTime();
            double javaSum = 0;
            MpsContractor javaProducts = new MpsContractor(new JavaGemm());
            try (FactorTableReader reader = FactorTableReader.open(table, new Configuration())) {
                while (reader.hasNext()) {
                    var f = reader.factors(reader.next());
                    float[] p = f instanceof MmpsFactors m ? m.reconstruct(javaProducts) : f.reconstruct();
                    javaSum += p[0];
                }
            }
            double javaFactors = (System.nanoTime() - t) / 1e9;
            System.out.printf(Locale.ROOT, "round %d: decode %d JPEGs %.1f s (%.0f images/s, %.0f us each); "
                    + "rebuild %d rows %.1f s (%.0f images/s, %.0f us each); rebuild/decode time %.2f; "
                    + "with Java products %.0f us each (%.2fx the reader's) [%.1f %.1f %.1f]%n",
                    round, files.size(), jpeg, files.size() / jpeg, jpeg / files.size() * 1e6, rows, factors,
                    rows / factors, factors / rows * 1e6, factors / jpeg, javaFactors / rows * 1e6,
                    javaFactors / factors, sum, rebuiltSum, javaSum);
        }
    }

    private static double decode(Preprocess decoder, Path f) throws IOException {
        try {
            return decoder.apply(Files.readAllBytes(f)).pixels()[0];
        } catch (ImageFailure e) {
            return 0;
        }
    }
}
