package dev.mmps.bench;

import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.codec.RankProfile;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRank;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.linalg.MatrixProduct;
import dev.mmps.tensor.linalg.RankSelector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where the compression kernel's time goes: every factorisation of one image's TT-SVDs by shape
 * ({@code rows x cols -> rank}, in the order they run), its mean time, and what the codec spends
 * outside them (reshaping, residuals, reconstruction, PSNR). The same images and calibration as
 * {@code CompressBenchmark} (other square sizes: the sample photographs resized and cropped to them),
 * one thread, routes timed in turns in the same JVM. The last column counts the calls whose kept squared
 * singular values span more than 1e6, which form {@code W} from the unfolding rather than its Gram matrix.
 *
 * <pre>
 * mvn -B -ntp -q -Pbench -pl tensor-core,benchmarks -am package -DskipTests
 * OPENBLAS_NUM_THREADS=1 java -cp benchmarks/target/benchmarks.jar dev.mmps.bench.KernelSteps \
 *     --shape 224x224x3 --routes blas-gram,randomized,randomized:16:2 --rounds 5
 * </pre>
 */
public final class KernelSteps {

    private KernelSteps() {}

    public static void main(String[] args) {
        ImageShape shape = ImageShape.parse(LayoutStudy.option(args, "--shape", "224x224x3"));
        String[] routes = LayoutStudy.option(args, "--routes", "blas-gram").split(",");
        int rounds = Integer.parseInt(LayoutStudy.option(args, "--rounds", "5"));
        double ratio = Double.parseDouble(LayoutStudy.option(args, "--ratio", "0.3"));
        int stages = Integer.parseInt(LayoutStudy.option(args, "--stages", "2"));
        LowRankFactorizers.nativeAvailable();
        boolean cifar = shape.equals(SampleImages.CIFAR);
        int size = shape.height();
        List<float[]> images = cifar ? SampleImages.cifarTest(256) : SampleImages.imagenet(size, 0, 32);
        List<float[]> samples = cifar ? SampleImages.cifarTrain(64) : SampleImages.imagenet(size, 784, 16);
        LayoutRequest layout = LayoutRequest.auto();
        TensorLayout resolved = layout.resolve(shape);
        RankProfile profile = RankProfile.calibrate(samples, resolved, stages, ratio, LowRankFactorizers.create("auto"));
        CompressionSpec spec = new CompressionSpec(layout, new Truncation.TargetRatio(ratio, profile), stages);
        System.out.printf(Locale.ROOT, "%s, layout %s, %d stages, ratio %.2f, %d images, best of %d rounds%n",
                shape, resolved.spec(), stages, ratio, images.size(), rounds);
        Map<String, Timed> timed = new LinkedHashMap<>();
        for (String route : routes) {
            timed.put(route, new Timed(create(route)));
        }
        Map<String, double[]> best = new LinkedHashMap<>();
        Map<String, double[]> psnr = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (var entry : timed.entrySet()) {
                Timed route = entry.getValue();
                route.reset();
                MmpsCodec codec = new MmpsCodec(spec, route);
                double sum = 0;
                long start = System.nanoTime();
                for (float[] image : images) {
                    sum += codec.compress(image, shape).stats().psnrDb();
                }
                double perImage = (System.nanoTime() - start) / 1e3 / images.size();
                double[] previous = best.get(entry.getKey());
                if (previous == null || perImage < previous[0]) {
                    best.put(entry.getKey(), route.summary(perImage, images.size()));
                }
                psnr.put(entry.getKey(), new double[] {sum / images.size()});
            }
        }
        double baseline = best.get(routes[0])[0];
        for (String route : routes) {
            double[] b = best.get(route);
            System.out.printf(Locale.ROOT, "%n%s: %.0f us per image (%.2fx of %s), mean PSNR %.3f dB; factorisations"
                    + " %.0f us, the rest %.0f us%n", route, b[0], baseline / b[0], routes[0], psnr.get(route)[0],
                    b[1], b[0] - b[1]);
            System.out.println(timed.get(route).table);
        }
    }

    /** A route by name, or {@code randomized:P:Q} for oversampling P and Q power iterations. */
    private static LowRankFactorizer create(String route) {
        String[] parts = route.split(":");
        return parts.length == 3 && parts[0].equals("randomized")
                ? LowRankFactorizers.randomized(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]))
                : LowRankFactorizers.create(route);
    }

    /** A route that records the shape and time of each factorisation. */
    private static final class Timed implements LowRankFactorizer {
        private final LowRankFactorizer route;
        private final Map<String, long[]> steps = new LinkedHashMap<>();
        private String table = "";

        Timed(LowRankFactorizer route) {
            this.route = route;
        }

        void reset() {
            steps.clear();
        }

        @Override
        public void factor(double[] a, int rows, int cols, RankSelector selector, LowRank out) {
            long start = System.nanoTime();
            route.factor(a, rows, cols, selector, out);
            record("L " + rows + "x" + cols, out, System.nanoTime() - start);
        }

        @Override
        public void factorRight(double[] a, int rows, int cols, RankSelector selector, LowRank out) {
            long start = System.nanoTime();
            route.factorRight(a, rows, cols, selector, out);
            record("R " + rows + "x" + cols, out, System.nanoTime() - start);
        }

        /** Per shape: calls, nanoseconds, ranks summed, calls whose kept squared singular values span over 1e6. */
        private void record(String shape, LowRank out, long nanos) {
            long[] s = steps.computeIfAbsent(shape, k -> new long[4]);
            s[0]++;
            s[1] += nanos;
            s[2] += out.rank();
            double[] spectrum = out.sigmaSquared();
            if (spectrum[0] > 1e6 * spectrum[out.rank() - 1]) {
                s[3]++;
            }
        }

        /** Mean per image: {total, factorisations}; keeps the table of this round. */
        double[] summary(double perImage, int images) {
            List<String> lines = new ArrayList<>();
            lines.add(String.format(Locale.ROOT, "  %-16s %6s %10s %10s %12s", "step", "rank", "us/image", "us/call",
                    "spread>1e6"));
            double total = 0;
            for (var e : steps.entrySet()) {
                long[] s = e.getValue();
                double us = s[1] / 1e3 / images;
                total += us;
                lines.add(String.format(Locale.ROOT, "  %-16s %6.1f %10.1f %10.1f %11.0f%%", e.getKey(),
                        (double) s[2] / s[0], us, s[1] / 1e3 / s[0], 100.0 * s[3] / s[0]));
            }
            table = String.join("\n", lines);
            return new double[] {perImage, total};
        }

        @Override
        public String name() {
            return route.name();
        }

        @Override
        public MatrixProduct products() {
            return route.products();
        }
    }
}
