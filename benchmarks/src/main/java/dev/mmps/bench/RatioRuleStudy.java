package dev.mmps.bench;

import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.codec.RankProfile;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.metrics.Quality;
import dev.mmps.tensor.tt.BondPolicy;
import dev.mmps.tensor.tt.Decomposition;
import dev.mmps.tensor.tt.MpsContractor;
import dev.mmps.tensor.tt.StagedTtSvd;
import dev.mmps.tensor.tt.TtSvd;
import java.util.List;
import java.util.Locale;

/**
 * Mean PSNR at equal ratio for three ways of choosing bond dimensions: the paper's uniform caps,
 * caps from a rank profile calibrated on 64 CIFAR-10 training images (the default), and ranks
 * chosen per image by bisecting an error threshold (an upper reference that costs ~40 TT-SVD
 * passes per image).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.mmps.bench.RatioRuleStudy --images 2000
 * </pre>
 */
public final class RatioRuleStudy {

    private RatioRuleStudy() {}

    public static void main(String[] args) {
        int count = Integer.parseInt(LayoutStudy.option(args, "--images", "500"));
        String[] layouts = LayoutStudy.option(args, "--layouts", "block:2x2,4x4,2x2,2x2,1x1x3;row:4,8,8,4,3").split(";");
        List<float[]> images = SampleImages.cifarTest(count);
        List<float[]> samples = SampleImages.cifarTrain(64);
        ImageShape shape = SampleImages.CIFAR;
        System.out.printf(Locale.ROOT, "%d CIFAR-10 test images; mean PSNR (dB; exact reconstructions left out) and achieved ratio%n%n", images.size());
        System.out.println("| layout | K | rho | uniform caps | calibrated caps | per-image threshold |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (String spec : layouts) {
            TensorLayout layout = TensorLayout.parse(spec, shape);
            for (int k = 1; k <= 2; k++) {
                for (double ratio : new double[] {0.1, 0.3, 0.5}) {
                    RankProfile profile = RankProfile.calibrate(samples, layout, k, ratio,
                            LowRankFactorizers.create("auto"));
                    double[] uniform = capsRule(spec, shape, images, k, new Truncation.TargetRatio(ratio));
                    double[] calibrated = capsRule(spec, shape, images, k, new Truncation.TargetRatio(ratio, profile));
                    double adaptive = thresholdRule(layout, images, k, ratio);
                    System.out.printf(Locale.ROOT, "| `%s` | %d | %.1f | %.2f (%.3f) | %.2f (%.3f) | %.2f |%n", spec, k,
                            ratio, uniform[0], uniform[1], calibrated[0], calibrated[1], adaptive);
                }
            }
        }
    }

    /** Mean PSNR and mean achieved ratio. */
    private static double[] capsRule(String spec, ImageShape shape, List<float[]> images, int k, Truncation truncation) {
        MmpsCodec codec = new MmpsCodec(new CompressionSpec(LayoutRequest.explicit(spec), truncation, k),
                LowRankFactorizers.create("auto"));
        double[] psnr = new double[2];
        double achieved = 0;
        for (float[] image : images) {
            var stats = codec.compress(image, shape).stats();
            addFinite(psnr, stats.psnrDb());
            achieved += stats.ratio();
        }
        return new double[] {psnr[0] / psnr[1], achieved / images.size()};
    }

    private static double thresholdRule(TensorLayout layout, List<float[]> images, int k, double ratio) {
        TtSvd tt = new TtSvd(LowRankFactorizers.create("auto"));
        int[] dims = layout.dims();
        long share = (long) Math.floor(ratio * layout.shape().values() / k);
        double[] psnr = new double[2];
        double[][] rankSums = new double[k][dims.length - 1];
        StagedTtSvd staged = new StagedTtSvd(tt, new MpsContractor());
        StagedTtSvd.StagePolicy filling = (stage, residual, size) -> fill(tt, residual, dims, share);
        for (float[] image : images) {
            double[] tensor = new double[layout.size()];
            layout.tensorize(image, tensor);
            double[] approx = new double[tensor.length];
            List<Decomposition> stages = staged.decompose(tensor, dims, k, filling, approx);
            for (int s = 0; s < k; s++) {
                int[] bonds = stages.get(s).mps().bonds();
                for (int b = 0; b < bonds.length; b++) {
                    rankSums[s][b] += bonds[b];
                }
            }
            float[] rebuilt = new float[image.length];
            layout.untensorize(approx, rebuilt);
            double err = 0;
            for (int i = 0; i < image.length; i++) {
                double d = image[i] - rebuilt[i];
                err += d * d;
            }
            addFinite(psnr, Quality.psnrDb(err, image.length));
        }
        if (System.getProperty("ranks") != null) {
            for (int s = 0; s < k; s++) {
                StringBuilder b = new StringBuilder();
                for (double r : rankSums[s]) {
                    b.append(String.format(Locale.ROOT, "%.1f ", r / images.size()));
                }
                System.out.printf(Locale.ROOT, "  mean ranks %s K=%d rho=%.1f stage %d: %s%n", layout.spec(), k, ratio, s, b);
            }
        }
        return psnr[0] / psnr[1];
    }

    /** Sum and count of finite PSNRs: exact reconstructions stay out of the mean, as in the job's summary. */
    private static void addFinite(double[] sumAndCount, double psnrDb) {
        if (Double.isFinite(psnrDb)) {
            sumAndCount[0] += psnrDb;
            sumAndCount[1]++;
        }
    }

    /**
     * The policy of the smallest error threshold whose decomposition fits the share: bisection on
     * log epsilon (the stage loop then decomposes with it once more, to the same factors).
     */
    private static BondPolicy fill(TtSvd tt, double[] residual, int[] dims, long share) {
        double lo = Math.log(1e-6);
        double hi = Math.log(0.999);
        BondPolicy best = null;
        for (int i = 0; i < 30; i++) {
            double mid = 0.5 * (lo + hi);
            BondPolicy policy = BondPolicy.relativeError(Math.exp(mid));
            if (tt.decompose(residual, dims, policy).mps().parameters() <= share) {
                best = policy;
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return best != null ? best : BondPolicy.uniform(1, dims.length);
    }
}
