package dev.mmps.bench;

import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.codec.RankProfile;
import dev.mmps.tensor.codec.RatioPlanner;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.metrics.ImageStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Mean PSNR at equal compression ratio for candidate layouts, one and two stages, on real images:
 * the measurement behind the automatic layout's defaults.
 *
 * <pre>
 * mvn -q -Pbench package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.mmps.bench.LayoutStudy --dataset cifar --images 10000
 * java -cp benchmarks/target/benchmarks.jar dev.mmps.bench.LayoutStudy --dataset imagenet --images 200
 * java -cp benchmarks/target/benchmarks.jar dev.mmps.bench.LayoutStudy --dataset imagenet --size 64 --layouts "auto:row;auto:block"
 * </pre>
 */
public final class LayoutStudy {

    private static final List<String> CIFAR_LAYOUTS = List.of(
            "row:8,4,8,4,3", "row:4,8,4,8,3", "row:4,8,8,4,3", "row:8,4,4,8,3", "row:4,4,4,4,12", "row:3,4,8,4,8",
            "block:4x4,2x2,2x2,2x2,1x1x3", "block:2x2,4x4,2x2,2x2,1x1x3", "block:2x2,2x2,4x4,2x2,1x1x3",
            "block:2x2,2x2,2x2,4x4,1x1x3", "block:1x1x3,4x4,2x2,2x2,2x2", "block:2x2,2x2,2x2,2x2,2x2x3",
            "block:4x4,2x2,2x2,2x2,2x2x3", "row:8,4,8,12", "block:8x8,2x2,2x2,1x1x3",
            "block:2x2,2x2,2x2,2x2,2x2,1x1x3");
    private static final List<String> IMAGENET_LAYOUTS = List.of(
            "row:16,14,16,14,3", "row:8,28,8,28,3", "block:7x7,4x4,4x4,2x2,1x1x3", "block:2x2,4x4,4x4,7x7,1x1x3",
            "block:14x14,4x4,2x2,2x2,1x1x3", "block:7x7,4x4,2x2,2x2,2x2x3", "block:1x1x3,7x7,4x4,4x4,2x2",
            "block:7x7,2x2,2x2,2x2,2x2,1x1x3");

    private LayoutStudy() {}

    public static void main(String[] args) {
        String dataset = option(args, "--dataset", "cifar");
        int count = Integer.parseInt(option(args, "--images", "1000"));
        double[] ratios = Arrays.stream(option(args, "--ratios", "0.1,0.3,0.5").split(","))
                .mapToDouble(Double::parseDouble).toArray();
        int[] stages = Arrays.stream(option(args, "--stages", "1,2").split(",")).mapToInt(Integer::parseInt).toArray();
        boolean cifar = dataset.equals("cifar");
        int size = Integer.parseInt(option(args, "--size", "224"));
        ImageShape shape = cifar ? SampleImages.CIFAR : new ImageShape(size, size, 3);
        List<String> layouts = args.length > 0 && option(args, "--layouts", null) != null
                ? List.of(option(args, "--layouts", null).split(";"))
                : cifar ? CIFAR_LAYOUTS : IMAGENET_LAYOUTS;
        List<float[]> images = cifar ? SampleImages.cifarTest(count) : SampleImages.imagenet(size, 0, count);
        int calibration = Integer.parseInt(option(args, "--calibrate", "64"));
        List<float[]> samples = calibration == 0 ? List.of()
                : cifar ? SampleImages.cifarTrain(calibration) : SampleImages.imagenet(size, 800 - calibration, calibration);
        System.out.printf(Locale.ROOT, "%d %s images, shape %s, route auto, rank profile %s; cells: mean PSNR / pooled "
                + "PSNR (dB)%n%n", images.size(), dataset, shape,
                samples.isEmpty() ? "uniform" : "calibrated on " + samples.size() + " other images");

        StringBuilder header = new StringBuilder("| layout |");
        StringBuilder rule = new StringBuilder("|---|");
        for (int k : stages) {
            for (double r : ratios) {
                header.append(String.format(Locale.ROOT, " K=%d rho=%.1f |", k, r));
                rule.append("---:|");
            }
        }
        header.append(" us/image (K=2, rho=0.3) |");
        rule.append("---:|");
        System.out.println(header);
        System.out.println(rule);
        for (String layout : layouts) {
            StringBuilder row = new StringBuilder("| `" + layout + "` |");
            double micros = Double.NaN;
            for (int k : stages) {
                for (double r : ratios) {
                    Result result = run(layout, shape, images, samples, k, r);
                    row.append(result == null ? " n/a |"
                            : String.format(Locale.ROOT, " %.2f / %.2f |", result.meanPsnr, result.pooledPsnr));
                    if (k == 2 && Math.abs(r - 0.3) < 1e-9 && result != null) {
                        micros = result.microsPerImage;
                    }
                }
            }
            row.append(String.format(Locale.ROOT, " %.0f |", micros));
            System.out.println(row);
        }
    }

    /**
     * @param meanPsnr mean of the per-image PSNR
     * @param pooledPsnr PSNR of the mean squared error over all images
     */
    record Result(double meanPsnr, double pooledPsnr, double meanRatio, double microsPerImage) {}

    /** Compresses the images at a target ratio, calibrating the rank profile on the samples first. */
    static Result run(String layout, ImageShape shape, List<float[]> images, List<float[]> samples, int stages,
            double ratio) {
        LayoutRequest request = layout.startsWith("auto:")
                ? LayoutRequest.auto(dev.mmps.tensor.layout.IndexOrder.parse(layout.substring(5)), 5)
                : LayoutRequest.explicit(layout);
        RankProfile profile = null;
        try {
            if (!samples.isEmpty()) {
                TensorLayout resolved = request.resolve(shape);
                RatioPlanner.plan(resolved, stages, ratio);
                profile = RankProfile.calibrate(samples, resolved, stages, ratio, LowRankFactorizers.create("auto"));
            }
        } catch (IllegalArgumentException unreachable) {
            return null;
        }
        MmpsCodec codec = new MmpsCodec(new CompressionSpec(request, new Truncation.TargetRatio(ratio, profile),
                stages), LowRankFactorizers.create("auto"));
        double psnr = 0;
        double mse = 0;
        double achieved = 0;
        long start = System.nanoTime();
        for (float[] image : images) {
            ImageStats s = codec.compress(image, shape).stats();
            psnr += Math.min(s.psnrDb(), 100);
            mse += Math.pow(10, -s.psnrDb() / 10);
            achieved += s.ratio();
        }
        long elapsed = System.nanoTime() - start;
        int n = images.size();
        return new Result(psnr / n, -10 * Math.log10(mse / n), achieved / n, elapsed / 1e3 / n);
    }

    static String option(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    static List<String> list(String... values) {
        return new ArrayList<>(List.of(values));
    }
}
