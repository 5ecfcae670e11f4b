package dev.mmps.bench;

import dev.mmps.tensor.baseline.CpCodec;
import dev.mmps.tensor.baseline.SvdCodec;
import dev.mmps.tensor.baseline.TuckerCodec;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.ImageCodec;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.codec.RankProfile;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.LayoutPlanner;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.metrics.ImageStats;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Every codec at the same parameter ratio, on real images: mean PSNR (dB), mean achieved ratio and
 * time per image on one thread. MMPS and MPS use the default layout and a rank profile calibrated
 * on other images of the dataset, as the compress job does.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.mmps.bench.CodecStudy --dataset cifar --images 1000
 * java -cp benchmarks/target/benchmarks.jar dev.mmps.bench.CodecStudy --dataset imagenet --images 50
 * </pre>
 */
public final class CodecStudy {

    private CodecStudy() {}

    public static void main(String[] args) {
        boolean cifar = LayoutStudy.option(args, "--dataset", "cifar").equals("cifar");
        int count = Integer.parseInt(LayoutStudy.option(args, "--images", cifar ? "1000" : "50"));
        double[] ratios = Arrays.stream(LayoutStudy.option(args, "--ratios", "0.1,0.3,0.5,0.7").split(","))
                .mapToDouble(Double::parseDouble).toArray();
        List<String> codecs = List.of(LayoutStudy.option(args, "--codecs", "svd,cp,tucker,tucker-hooi,mps,mmps").split(","));
        ImageShape shape = cifar ? SampleImages.CIFAR : new ImageShape(224, 224, 3);
        List<float[]> images = cifar ? SampleImages.cifarTest(count) : SampleImages.imagenet(224, 0, count);
        List<float[]> samples = cifar ? SampleImages.cifarTrain(64) : SampleImages.imagenet(224, 800 - 32, 32);
        System.out.printf(Locale.ROOT, "%d %s images, %s; cells: mean PSNR dB (mean achieved ratio), then ms per image "
                + "on one thread%n%n", images.size(), cifar ? "CIFAR-10 test" : "ImageNet", shape);
        StringBuilder header = new StringBuilder("| codec |");
        StringBuilder rule = new StringBuilder("|---|");
        for (double r : ratios) {
            header.append(String.format(Locale.ROOT, " rho=%.1f | ms |", r));
            rule.append("---:|---:|");
        }
        System.out.println(header);
        System.out.println(rule);
        for (String name : codecs) {
            StringBuilder row = new StringBuilder("| " + name + " |");
            for (double ratio : ratios) {
                ImageCodec codec = create(name, ratio, shape, samples);
                double psnr = 0;
                int finite = 0;
                double achieved = 0;
                long start = System.nanoTime();
                for (float[] image : images) {
                    ImageStats s = codec.encode(image, shape).stats();
                    if (Double.isFinite(s.psnrDb())) {
                        psnr += s.psnrDb();
                        finite++;
                    }
                    achieved += s.ratio();
                }
                double ms = (System.nanoTime() - start) / 1e6 / images.size();
                row.append(String.format(Locale.ROOT, " %.2f (%.3f) | %.2f |", psnr / finite, achieved / images.size(), ms));
            }
            System.out.println(row);
        }
    }

    static ImageCodec create(String name, double ratio, ImageShape shape, List<float[]> samples) {
        Function<Integer, ImageCodec> mmps = stages -> {
            TensorLayout layout = LayoutPlanner.plan(shape);
            RankProfile profile = RankProfile.calibrate(samples, layout, stages, ratio, LowRankFactorizers.create("auto"));
            return new MmpsCodec(new CompressionSpec(LayoutRequest.auto(), new Truncation.TargetRatio(ratio, profile),
                    stages), LowRankFactorizers.create("auto"));
        };
        return switch (name) {
            case "svd" -> new SvdCodec(ratio, LowRankFactorizers.create("auto"));
            case "cp" -> new CpCodec(ratio, 100, 1e-5, 1, LowRankFactorizers.create("auto").products());
            case "tucker" -> TuckerCodec.forRatio(ratio, 0, LowRankFactorizers.create("auto"));
            case "tucker-hooi" -> TuckerCodec.forRatio(ratio, 2, LowRankFactorizers.create("auto"));
            case "mps" -> mmps.apply(1);
            case "mmps" -> mmps.apply(2);
            default -> throw new IllegalArgumentException("unknown codec " + name);
        };
    }
}
