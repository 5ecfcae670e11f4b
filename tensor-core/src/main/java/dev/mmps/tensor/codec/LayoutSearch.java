package dev.mmps.tensor.codec;

import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.IndexOrder;
import dev.mmps.tensor.layout.LayoutPlanner;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.metrics.ImageStats;
import dev.mmps.tensor.tt.TtSvd;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Chooses a dataset's layout by measuring its calibration sample: no fixed layout suits every
 * dataset (BENCHMARKS.md, "Choosing the layout": on Fashion-MNIST row order is 4.9 dB ahead of the
 * default block order at ratio 0.3; on CIFAR-10 four block cores are 1.1 dB ahead of five).
 *
 * <p>The rule, in two steps:
 * <ol>
 *   <li><b>Screen</b> every {@link #candidates candidate} the ratio can reach (its uniform plan,
 *       {@link Truncation.TargetRatio#policies}, does not throw): calibrate a screening profile as
 *       the compress job calibrates ({@link RankProfile.Calibration}, one image at a time, merged in
 *       sample order), but with 8 bisection steps instead of 16 and on a few images spread evenly
 *       over the sample: 8 CIFAR-10 images' worth of values, at least 4 images and at most 8 (8 for
 *       32x32x3 and smaller, 4 from 64x64x3, so 4 for 224x224 photographs; {@link Screening#of}). Then compress every sample image with
 *       {@link MmpsCodec} under that profile and score the candidate by the mean squared error. A
 *       candidate whose calibrated plan cannot meet the ratio is skipped.
 *   <li><b>Keep</b> the candidate of least mean squared error, the earlier one on a tie, and
 *       calibrate its profile on the whole sample with the job's 16 steps: it equals
 *       {@link RankProfile#calibrate} on the same images, so rows are planned exactly as with that
 *       layout forced.
 * </ol>
 * Screening is what makes the search affordable: a bisection step is a two-stage TT-SVD of the
 * image and compressing it far less, so the whole search costs about twice the final calibration,
 * the one a job does anyway, rather than one calibration per candidate. It was measured against full calibrations on
 * the same samples (BENCHMARKS.md, "The layout chosen per dataset"): 8 steps moved scores by at
 * most 0.03 dB in five of six cases ({@link Screening#STEPS}); and scoring on every sample image is
 * what keeps profiles from a few images from misleading: scoring on those few alone chose a layout
 * 0.7 dB worse on the whole ImageNet sample.
 *
 * <p>Work runs in parallel in the caller's fork-join pool (the common pool unless called from
 * inside another), one factoriser per worker from the supplier, and results are merged in
 * candidate and sample order, so the choice and the profile do not depend on the number of
 * threads. No time is measured in any decision; the wall time is only reported.
 */
public final class LayoutSearch {

    /**
     * One candidate's figures on the sample, under its screening profile.
     *
     * @param layout the candidate's spec
     * @param meanSquaredError mean over the sample images of the squared error per value, on the
     *     [0, 1] scale: what the rule compares
     * @param meanPsnrDb mean of the images' PSNR (exact reconstructions left out; NaN if all are)
     * @param meanRatio mean achieved compression ratio
     */
    public record Score(String layout, double meanSquaredError, double meanPsnrDb, double meanRatio) {}

    /**
     * What the search found.
     *
     * @param layout the chosen layout
     * @param profile its rank profile, calibrated on the whole sample
     * @param scores every reachable candidate's figures, in the order tried
     * @param unreachable specs of the candidates the ratio cannot reach, in the order tried
     * @param images sample images: each candidate is scored on all of them, and the profile
     *     calibrated on all of them
     * @param screening how the candidates were screened (its images as many as were used)
     * @param seconds wall time of the search
     */
    public record Result(TensorLayout layout, RankProfile profile, List<Score> scores, List<String> unreachable,
            int images, Screening screening, double seconds) {
        public Result {
            scores = List.copyOf(scores);
            unreachable = List.copyOf(unreachable);
        }
    }

    /**
     * How candidates are screened: the bisection steps of their screening calibrations and how many
     * sample images (spread evenly over the sample) those are made on. Every candidate is scored on
     * the whole sample either way.
     *
     * @param bisectionSteps between 1 and 64; 16 is the job's calibration
     * @param images at least 1; more than the sample holds means all of it
     */
    public record Screening(int bisectionSteps, int images) {

        /**
         * Bisection steps of the rule. Measured on 32-image samples, profiles from all 32: with 8
         * steps every candidate scored within 0.03 dB of 16 steps on CIFAR-10 and ImageNet at ratios
         * 0.3 and 0.5 and on Fashion-MNIST at 0.3; on Fashion-MNIST at 0.5 two block layouts moved
         * by 0.1 and 0.3 dB, and the choice did not.
         */
        public static final int STEPS = 8;
        /** Values of the images a screening profile is calibrated on: 8 CIFAR-10 images. */
        public static final long VALUES = 8L * 32 * 32 * 3;
        /** Most images a screening profile is calibrated on. */
        public static final int MAX_IMAGES = 8;
        /** Fewest images a screening profile is calibrated on. */
        public static final int MIN_IMAGES = 4;

        public Screening {
            if (bisectionSteps < 1 || bisectionSteps > 64) {
                throw new IllegalArgumentException("screening bisection steps " + bisectionSteps + " is invalid: use 1 "
                        + "to 64 (the job's calibration takes " + RankProfile.BISECTION_STEPS + ")");
            }
            if (images < 1) {
                throw new IllegalArgumentException("screening images " + images + " is invalid: use 1 or more");
            }
        }

        /**
         * The rule: {@link #STEPS} steps on about {@link #VALUES} values of images, between
         * {@link #MIN_IMAGES} and {@link #MAX_IMAGES} of them.
         */
        public static Screening of(ImageShape shape) {
            return new Screening(STEPS, (int) Math.max(MIN_IMAGES, Math.min(MAX_IMAGES, VALUES / shape.values())));
        }

        /** Screening that is the job's calibration on the whole sample: the reference the rule is measured by. */
        public static Screening full(int sampleImages) {
            return new Screening(RankProfile.BISECTION_STEPS, sampleImages);
        }
    }

    private LayoutSearch() {}

    /**
     * Candidate layouts for a shape: block and row order, each as {@link LayoutPlanner} plans it with
     * five and with four cores, and the five-core plan with its first two cores merged (four cores,
     * a coarser first level: CIFAR-10's best, {@code block:8x8,2x2,2x2,1x1x3}); deduplicated by
     * spec, those the shape cannot take left out. The first is {@link LayoutPlanner#plan(ImageShape)},
     * today's default. (A coarser first level of five cores, merged from a six-core plan, was the
     * worst or next to worst of its order on CIFAR-10, Fashion-MNIST and ImageNet samples, and is not
     * tried.)
     */
    public static List<TensorLayout> candidates(ImageShape shape) {
        if (shape == null) {
            throw new IllegalArgumentException("image shape is null; pass the shape of the sample images");
        }
        Map<String, TensorLayout> bySpec = new LinkedHashMap<>();
        add(bySpec, () -> LayoutPlanner.plan(shape));
        for (IndexOrder order : List.of(IndexOrder.BLOCK, IndexOrder.ROW)) {
            add(bySpec, () -> LayoutPlanner.plan(shape, order, LayoutPlanner.DEFAULT_CORES));
            add(bySpec, () -> LayoutPlanner.plan(shape, order, LayoutPlanner.DEFAULT_CORES - 1));
            add(bySpec, () -> firstTwoMerged(LayoutPlanner.plan(shape, order, LayoutPlanner.DEFAULT_CORES)));
        }
        return List.copyOf(bySpec.values());
    }

    private static void add(Map<String, TensorLayout> bySpec, Supplier<TensorLayout> layout) {
        try {
            TensorLayout l = layout.get();
            bySpec.putIfAbsent(l.spec(), l);
        } catch (IllegalArgumentException shapeCannotTakeIt) {
            // Left out: the shape does not split into this many cores.
        }
    }

    /** The layout with its first two cores made one: a coarser first level. */
    static TensorLayout firstTwoMerged(TensorLayout layout) {
        int n = layout.cores();
        if (n < 3) {
            throw new IllegalArgumentException("layout " + layout.spec() + " has too few cores to merge two");
        }
        if (layout.order() == IndexOrder.ROW) {
            int[] dims = new int[n - 1];
            dims[0] = layout.dim(0) * layout.dim(1);
            for (int k = 2; k < n; k++) {
                dims[k - 1] = layout.dim(k);
            }
            return TensorLayout.row(layout.shape(), layout.paddedHeight(), layout.paddedWidth(), dims);
        }
        int[][] factors = new int[n - 1][];
        int[] a = layout.blockFactors(0);
        int[] b = layout.blockFactors(1);
        factors[0] = new int[] {a[0] * b[0], a[1] * b[1], a[2] * b[2]};
        for (int k = 2; k < n; k++) {
            factors[k - 1] = layout.blockFactors(k);
        }
        return TensorLayout.block(layout.shape(), factors);
    }

    /** {@link #choose(List, ImageShape, int, double, List, Supplier)} over {@link #candidates}. */
    public static Result choose(List<float[]> samples, ImageShape shape, int stages, double ratio,
            Supplier<LowRankFactorizer> factorizers) {
        return choose(samples, shape, stages, ratio, candidates(shape), factorizers);
    }

    /**
     * Screens each candidate on the sample at the ratio, keeps the one of least mean squared error,
     * and calibrates its profile on the whole sample (the rule of the class comment).
     *
     * @param samples images of {@code shape}, HWC row-major: the job's calibration sample
     * @param candidates layouts of {@code shape} to try, in order
     * @param factorizers makes one factoriser per worker thread; the search closes them
     * @throws IllegalArgumentException if no candidate can reach the ratio (the message names the
     *     ratio, the shape and why the first candidate cannot), or for empty or mismatched samples or
     *     candidates
     */
    public static Result choose(List<float[]> samples, ImageShape shape, int stages, double ratio,
            List<TensorLayout> candidates, Supplier<LowRankFactorizer> factorizers) {
        return choose(samples, shape, stages, ratio, candidates, Screening.of(shape), factorizers);
    }

    /**
     * {@link #choose(List, ImageShape, int, double, List, Supplier)} with another screening than the
     * rule's, to measure the rule or to spend more on the choice.
     */
    public static Result choose(List<float[]> samples, ImageShape shape, int stages, double ratio,
            List<TensorLayout> candidates, Screening screening, Supplier<LowRankFactorizer> factorizers) {
        long start = System.nanoTime();
        check(samples, shape, stages, ratio, candidates, factorizers);
        if (screening == null) {
            throw new IllegalArgumentException("screening is null; use Screening.of(shape)");
        }
        List<TensorLayout> reachable = new ArrayList<>();
        List<String> unreachable = new ArrayList<>();
        String firstReason = null;
        for (TensorLayout layout : candidates) {
            try {
                new Truncation.TargetRatio(ratio).policies(layout, stages);
                reachable.add(layout);
            } catch (IllegalArgumentException e) {
                unreachable.add(layout.spec());
                firstReason = firstReason == null ? e.getMessage() : firstReason;
            }
        }
        if (reachable.isEmpty()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "compression ratio %s with %d stage(s) is "
                    + "out of reach of every candidate layout for %s images (%s)", ratio, stages, shape, firstReason));
        }
        List<float[]> screened = spread(samples, screening.images());
        Screening used = new Screening(screening.bisectionSteps(), screened.size());
        try (Pool pool = new Pool(factorizers)) {
            List<RankProfile> profiles = calibrate(reachable, screened, stages, ratio, used.bisectionSteps(), pool);
            List<Score> measured = IntStream.range(0, reachable.size()).parallel()
                    .mapToObj(c -> score(reachable.get(c), profiles.get(c), samples, stages, ratio, pool))
                    .toList();
            List<Score> scores = new ArrayList<>();
            TensorLayout best = null;
            RankProfile bestProfile = null;
            double bestError = Double.POSITIVE_INFINITY;
            for (int c = 0; c < measured.size(); c++) {
                Score s = measured.get(c);
                if (s == null) {
                    unreachable.add(reachable.get(c).spec());
                    continue;
                }
                scores.add(s);
                if (best == null || s.meanSquaredError() < bestError) {
                    best = reachable.get(c);
                    bestProfile = profiles.get(c);
                    bestError = s.meanSquaredError();
                }
            }
            if (best == null) {
                throw new IllegalArgumentException("compression ratio " + ratio + " with " + stages + " stage(s) "
                        + "cannot be planned for any candidate layout of " + shape + " images; raise the ratio");
            }
            // A screening that was the job's calibration on the whole sample already made the profile.
            RankProfile profile = used.equals(Screening.full(samples.size())) ? bestProfile
                    : calibrate(List.of(best), samples, stages, ratio, RankProfile.BISECTION_STEPS, pool).get(0);
            return new Result(best, profile, scores, unreachable, samples.size(), used,
                    (System.nanoTime() - start) / 1e9);
        }
    }

    /** {@code count} of the samples spread evenly over them, or all of them. */
    private static List<float[]> spread(List<float[]> samples, int count) {
        int n = samples.size();
        if (count >= n) {
            return samples;
        }
        List<float[]> spread = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            spread.add(samples.get((int) ((long) i * n / count)));
        }
        return spread;
    }

    /**
     * Each layout's profile: one calibration per (layout, image), in parallel, merged per layout in
     * sample order as the compress job merges them.
     */
    private static List<RankProfile> calibrate(List<TensorLayout> layouts, List<float[]> samples, int stages,
            double ratio, int steps, Pool pool) {
        int n = samples.size();
        List<RankProfile.Calibration> parts = IntStream.range(0, layouts.size() * n).parallel()
                .mapToObj(task -> {
                    RankProfile.Calibration one = new RankProfile.Calibration(layouts.get(task / n), stages, ratio,
                            steps);
                    LowRankFactorizer factorizer = pool.borrow();
                    try {
                        one.add(samples.get(task % n), new TtSvd(factorizer));
                    } finally {
                        pool.giveBack(factorizer);
                    }
                    return one;
                })
                .toList();
        List<RankProfile> profiles = new ArrayList<>();
        for (int c = 0; c < layouts.size(); c++) {
            RankProfile.Calibration all = new RankProfile.Calibration(layouts.get(c), stages, ratio, steps);
            for (int i = 0; i < n; i++) {
                all.merge(parts.get(c * n + i));
            }
            profiles.add(all.profile());
        }
        return profiles;
    }

    /** The candidate's figures on the images, or null if its calibrated plan cannot meet the ratio. */
    private static Score score(TensorLayout layout, RankProfile profile, List<float[]> images, int stages,
            double ratio, Pool pool) {
        CompressionSpec spec = new CompressionSpec(LayoutRequest.explicit(layout.spec()),
                new Truncation.TargetRatio(ratio, profile), stages);
        LowRankFactorizer factorizer = pool.borrow();
        try {
            MmpsCodec codec = new MmpsCodec(spec, factorizer);
            try {
                codec.plan(layout.shape());
            } catch (IllegalArgumentException unreachable) {
                return null;
            }
            double squaredError = 0;
            double psnr = 0;
            int finite = 0;
            double achieved = 0;
            for (float[] image : images) {
                ImageStats stats = codec.compress(image, layout.shape()).stats();
                if (Double.isFinite(stats.psnrDb())) {
                    squaredError += Math.pow(10, -stats.psnrDb() / 10);
                    psnr += stats.psnrDb();
                    finite++;
                }
                achieved += stats.ratio();
            }
            int n = images.size();
            return new Score(layout.spec(), squaredError / n, finite == 0 ? Double.NaN : psnr / finite, achieved / n);
        } finally {
            pool.giveBack(factorizer);
        }
    }

    private static void check(List<float[]> samples, ImageShape shape, int stages, double ratio,
            List<TensorLayout> candidates, Supplier<LowRankFactorizer> factorizers) {
        if (shape == null || factorizers == null) {
            throw new IllegalArgumentException("a layout search needs the sample's shape and a factoriser supplier");
        }
        if (samples == null || samples.isEmpty()) {
            throw new IllegalArgumentException("a layout search needs at least one sample image of shape " + shape);
        }
        for (float[] s : samples) {
            shape.requireMatches(s);
        }
        if (stages < 1 || stages > CompressionSpec.MAX_STAGES) {
            throw new IllegalArgumentException("stages=" + stages + " is invalid: use between 1 and "
                    + CompressionSpec.MAX_STAGES);
        }
        Truncation.TargetRatio.requireValid(ratio);
        if (candidates == null || candidates.isEmpty()) {
            throw new IllegalArgumentException("no candidate layouts given; pass LayoutSearch.candidates(shape)");
        }
        for (TensorLayout c : candidates) {
            if (!c.shape().equals(shape)) {
                throw new IllegalArgumentException("candidate layout " + c + " is for another shape than the "
                        + shape + " samples; make the candidates for the samples' shape");
            }
        }
    }

    /** Factorisers shared by the workers: one per concurrent task, all closed at the end. */
    private static final class Pool implements AutoCloseable {
        private final Supplier<LowRankFactorizer> supplier;
        private final ConcurrentLinkedDeque<LowRankFactorizer> idle = new ConcurrentLinkedDeque<>();
        private final ConcurrentLinkedDeque<LowRankFactorizer> all = new ConcurrentLinkedDeque<>();

        Pool(Supplier<LowRankFactorizer> supplier) {
            this.supplier = supplier;
        }

        LowRankFactorizer borrow() {
            LowRankFactorizer f = idle.pollFirst();
            if (f == null) {
                f = supplier.get();
                if (f == null) {
                    throw new IllegalArgumentException("the factoriser supplier gave null; pass for example "
                            + "() -> LowRankFactorizers.create(\"auto\")");
                }
                all.add(f);
            }
            return f;
        }

        void giveBack(LowRankFactorizer f) {
            idle.addFirst(f);
        }

        @Override
        public void close() {
            for (LowRankFactorizer f : all) {
                LowRankFactorizers.close(f);
            }
        }
    }
}
