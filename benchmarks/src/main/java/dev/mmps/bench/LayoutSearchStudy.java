package dev.mmps.bench;

import dev.mmps.images.ChannelMode;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.LayoutSearch;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.codec.RankProfile;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.LayoutPlanner;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.metrics.ImageStats;
import dev.mmps.tensor.tt.TtSvd;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * The layout {@link LayoutSearch} chooses on a dataset's calibration sample (here the first 32 images in
 * path order, as the compress job took it before it drew its sample by hashed file ids; BENCHMARKS.md,
 * "The calibration sample") against every fixed candidate, each calibrated on the same sample: mean PSNR
 * over the whole set, two stages, and the search's wall time.
 *
 * <pre>
 * mvn -B -ntp -q -Pbench -pl tensor-core,benchmarks -am package -DskipTests
 * export OPENBLAS_NUM_THREADS=1
 * java -Xmx8g -cp benchmarks/target/benchmarks.jar dev.mmps.bench.LayoutSearchStudy --dataset cifar
 * java -Xmx8g -cp benchmarks/target/benchmarks.jar dev.mmps.bench.LayoutSearchStudy --dataset imagenet
 * java -Xmx8g -cp benchmarks/target/benchmarks.jar dev.mmps.bench.LayoutSearchStudy --dataset fashion
 * java -cp benchmarks/target/benchmarks.jar dev.mmps.bench.LayoutSearchStudy --dataset cifar --search-only 8
 * java -cp benchmarks/target/benchmarks.jar dev.mmps.bench.LayoutSearchStudy --dataset cifar --job-calibration 8
 * </pre>
 *
 * {@code --dataset cifar} reads the CIFAR-10 test set under {@code target/datasets} (or
 * {@code -Dmmps.datasets=DIR}), {@code imagenet} the 800 sample photographs resized as
 * {@code --size 224x224} does (channels RGB), {@code fashion} the 10,000 images of Fashion-MNIST's
 * {@code t10k-images-idx3-ubyte.gz} ({@code --input} for another path). {@code --search-only N} times
 * the search alone N times in this JVM at the first of {@code --ratios}, and {@code --job-calibration N}
 * the calibration of the default layout that a job does without the search; the first of each run
 * in a fresh JVM shows what a job pays before the JIT has compiled the kernels. {@code --screening
 * STEPS:IMAGES} replaces the rule's screening ({@code 16:32} screens with the job's calibration on
 * the whole sample, the reference the rule was measured against).
 */
public final class LayoutSearchStudy {

    private static final int SAMPLE = 32;

    private LayoutSearchStudy() {}

    public static void main(String[] args) {
        String dataset = LayoutStudy.option(args, "--dataset", "cifar");
        int limit = Integer.parseInt(LayoutStudy.option(args, "--images", "1000000"));
        int size = Integer.parseInt(LayoutStudy.option(args, "--size", "0"));
        int stages = Integer.parseInt(LayoutStudy.option(args, "--stages", "2"));
        int searches = Integer.parseInt(LayoutStudy.option(args, "--search-only", "0"));
        int jobCalibrations = Integer.parseInt(LayoutStudy.option(args, "--job-calibration", "0"));
        double[] ratios = Arrays.stream(LayoutStudy.option(args, "--ratios", "0.3,0.5").split(","))
                .mapToDouble(Double::parseDouble).toArray();
        String route = LayoutStudy.option(args, "--route", "auto");
        String screening = LayoutStudy.option(args, "--screening", null);
        // OpenBLAS loads and checks itself on first use (about 0.4 s here), which a job pays whatever
        // it does first; load it before anything is timed.
        LowRankFactorizers.nativeAvailable();
        long t0 = System.nanoTime();
        JobImages images = load(dataset, LayoutStudy.option(args, "--input", null), size,
                searches + jobCalibrations > 0 ? SAMPLE : limit);
        List<float[]> sample = images.pixels().subList(0, Math.min(SAMPLE, images.pixels().size()));
        System.out.printf(Locale.ROOT, "%s: %d images of %s read in %.1f s; sample: the first %d; %d stages, route %s, "
                + "%d cores%n%n", dataset, images.pixels().size(), images.shape(), (System.nanoTime() - t0) / 1e9,
                sample.size(), stages, route, Runtime.getRuntime().availableProcessors());
        if (searches + jobCalibrations > 0) {
            timeJobCalibrations(jobCalibrations, images.shape(), sample, stages, ratios[0], route);
            timeSearches(searches, images.shape(), sample, stages, ratios[0], route, screening);
            return;
        }
        for (double ratio : ratios) {
            study(images, sample, stages, ratio, route, screening);
        }
    }

    /** What a job pays without the search: the default layout calibrated as the compress job does it. */
    private static void timeJobCalibrations(int times, ImageShape shape, List<float[]> sample, int stages,
            double ratio, String route) {
        for (int i = 0; i < times; i++) {
            long start = System.nanoTime();
            TensorLayout layout = LayoutPlanner.plan(shape);
            new Truncation.TargetRatio(ratio).policies(layout, stages);
            List<RankProfile.Calibration> parts = sample.parallelStream().map(image -> {
                RankProfile.Calibration one = new RankProfile.Calibration(layout, stages, ratio);
                LowRankFactorizer f = LowRankFactorizers.create(route);
                try {
                    one.add(image, new TtSvd(f));
                    return one;
                } finally {
                    LowRankFactorizers.close(f);
                }
            }).toList();
            RankProfile.Calibration all = new RankProfile.Calibration(layout, stages, ratio);
            parts.forEach(all::merge);
            all.profile();
            System.out.printf(Locale.ROOT, "job calibration %d: %.3f s for %s%n", i + 1,
                    (System.nanoTime() - start) / 1e9, layout.spec());
        }
    }

    private static void timeSearches(int times, ImageShape shape, List<float[]> sample, int stages, double ratio,
            String route, String screening) {
        for (int i = 0; i < times; i++) {
            LayoutSearch.Result r = search(sample, shape, stages, ratio, route, screening);
            System.out.printf(Locale.ROOT, "search %d: %.3f s, chose %s (screening profiles: %d steps on %d images)%n",
                    i + 1, r.seconds(), r.layout().spec(), r.screening().bisectionSteps(), r.screening().images());
            for (LayoutSearch.Score s : i == 0 ? r.scores() : List.<LayoutSearch.Score>of()) {
                System.out.printf(Locale.ROOT, "  %-34s on the sample: PSNR of the mean MSE %.2f dB, "
                        + "mean PSNR %.2f dB%n", s.layout(), -10 * Math.log10(s.meanSquaredError()), s.meanPsnrDb());
            }
        }
    }

    private static JobImages load(String dataset, String input, int size, int limit) {
        return switch (dataset) {
            case "cifar" -> JobImages.folders(input != null ? Path.of(input)
                    : SampleImages.datasets().resolve("cifar10/test"), size, ChannelMode.AUTO, limit);
            case "imagenet" -> JobImages.folders(input != null ? Path.of(input)
                    : SampleImages.datasets().resolve("imagenet-sample"), size == 0 ? 224 : size, ChannelMode.RGB,
                    limit);
            case "fashion" -> JobImages.idx(Path.of(input != null ? input
                    : "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"), limit);
            default -> throw new IllegalArgumentException("dataset '" + dataset + "' is unknown: use cifar, imagenet "
                    + "or fashion");
        };
    }

    /** The search, with the rule's screening or {@code STEPS:IMAGES}. */
    private static LayoutSearch.Result search(List<float[]> sample, ImageShape shape, int stages, double ratio,
            String route, String screening) {
        LayoutSearch.Screening s = screening == null ? LayoutSearch.Screening.of(shape)
                : new LayoutSearch.Screening(Integer.parseInt(screening.split(":")[0]),
                        Integer.parseInt(screening.split(":")[1]));
        return LayoutSearch.choose(sample, shape, stages, ratio, LayoutSearch.candidates(shape), s,
                () -> LowRankFactorizers.create(route));
    }

    private static void study(JobImages images, List<float[]> sample, int stages, double ratio, String route,
            String screening) {
        ImageShape shape = images.shape();
        LayoutSearch.Result auto = search(sample, shape, stages, ratio, route, screening);
        System.out.printf(Locale.ROOT, "ratio %.2f: the search took %.2f s (%d candidates, screening profiles: %d "
                + "steps on %d of the %d sample images) and chose %s%n%n", ratio, auto.seconds(), auto.scores().size(),
                auto.screening().bisectionSteps(), auto.screening().images(), auto.images(), auto.layout().spec());
        List<TensorLayout> candidates = LayoutSearch.candidates(shape);
        // Each fixed candidate calibrated on the sample as the job would with that layout forced.
        List<RankProfile> profiles = candidates.parallelStream().map(layout -> {
            try {
                new Truncation.TargetRatio(ratio).policies(layout, stages);
            } catch (IllegalArgumentException unreachable) {
                return null;
            }
            LowRankFactorizer f = LowRankFactorizers.create(route);
            try {
                return RankProfile.calibrate(sample, layout, stages, ratio, f);
            } finally {
                LowRankFactorizers.close(f);
            }
        }).toList();
        System.out.printf(Locale.ROOT, "| layout | search, on the sample: PSNR of the mean MSE (dB) | whole set: mean "
                + "PSNR (dB) | whole set: PSNR of the mean MSE (dB) | mean ratio | ms/image |%n"
                + "|---|---:|---:|---:|---:|---:|%n");
        for (int c = 0; c < candidates.size(); c++) {
            TensorLayout layout = candidates.get(c);
            String spec = layout.spec();
            String mark = spec.equals(auto.layout().spec()) ? " (auto)" : "";
            if (profiles.get(c) == null) {
                System.out.printf(Locale.ROOT, "| `%s` | out of reach | | | | |%n", spec);
                continue;
            }
            if (spec.equals(auto.layout().spec()) && !profiles.get(c).equals(auto.profile())) {
                throw new IllegalStateException("the search's profile for " + spec
                        + " differs from a direct calibration");
            }
            double sampleMse = auto.scores().stream().filter(s -> s.layout().equals(spec))
                    .mapToDouble(LayoutSearch.Score::meanSquaredError).findFirst().orElse(Double.NaN);
            long start = System.nanoTime();
            double[] whole = compress(images, layout, profiles.get(c), stages, ratio, route);
            double ms = (System.nanoTime() - start) / 1e6 / images.pixels().size();
            System.out.printf(Locale.ROOT, "| `%s`%s | %.2f | %.2f | %.2f | %.4f | %.2f |%n", spec, mark,
                    -10 * Math.log10(sampleMse), whole[0], whole[2], whole[1], ms);
        }
        System.out.println();
    }

    /**
     * Mean PSNR (of the finite ones), mean achieved ratio and PSNR of the mean squared error over
     * every image, both cores, in fixed chunks.
     */
    private static double[] compress(JobImages images, TensorLayout layout, RankProfile profile, int stages,
            double ratio, String route) {
        int n = images.pixels().size();
        int chunk = 250;
        List<double[]> parts = IntStream.range(0, (n + chunk - 1) / chunk).parallel().mapToObj(part -> {
            LowRankFactorizer f = LowRankFactorizers.create(route);
            try {
                MmpsCodec codec = new MmpsCodec(new CompressionSpec(LayoutRequest.explicit(layout.spec()),
                        new Truncation.TargetRatio(ratio, profile), stages), f);
                double[] sums = new double[4];
                for (int i = part * chunk; i < Math.min(n, (part + 1) * chunk); i++) {
                    ImageStats s = codec.compress(images.pixels().get(i), images.shape()).stats();
                    if (Double.isFinite(s.psnrDb())) {
                        sums[0] += s.psnrDb();
                        sums[1]++;
                        sums[3] += Math.pow(10, -s.psnrDb() / 10);
                    }
                    sums[2] += s.ratio();
                }
                return sums;
            } finally {
                LowRankFactorizers.close(f);
            }
        }).toList();
        double[] total = new double[4];
        for (double[] p : parts) {
            for (int i = 0; i < 4; i++) {
                total[i] += p[i];
            }
        }
        return new double[] {total[0] / total[1], total[2] / n, -10 * Math.log10(total[3] / n)};
    }
}
