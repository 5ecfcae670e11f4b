package dev.mmps.tensor.codec;

import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.tt.BondPolicy;
import dev.mmps.tensor.tt.Decomposition;
import dev.mmps.tensor.tt.StagedTtSvd;
import dev.mmps.tensor.tt.TtSvd;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How a dataset's images spread their energy over the bonds of one layout: what the
 * {@link RatioPlanner} needs to share a ratio budget among bonds and stages.
 *
 * <p>The uniform profile gives the paper's rule (one {@code d'} for every bond). {@link #calibrate}
 * measures a better one on a sample: for each sample image it finds, by bisection, the Oseledets
 * error threshold whose MMPS just fills the budget (one threshold for all stages, relative to the
 * image's norm), and records the ranks that threshold keeps and the squared singular values of
 * every unfolding, as fractions of the image's energy. The planner centres its search on the mean
 * ranks and picks the caps with the least expected discarded energy (the sum over bonds of the
 * mean spectra past each cap, the quantity of paper Eq. 3). Kept ranks fall off toward the fine
 * end of the chain, where a uniform cap wastes values; on CIFAR-10 calibrated caps gain several dB
 * of PSNR at the same ratio (BENCHMARKS.md, "The ratio rule").
 *
 * @param layoutSpec the layout the profile was measured for ({@link TensorLayout#spec()})
 * @param weights per stage, per bond: mean kept rank, at least 1
 * @param energy per stage, per bond, per singular direction: mean fraction of the image's energy,
 *     descending; null for the uniform profile
 */
public record RankProfile(String layoutSpec, double[][] weights, double[][][] energy) implements Serializable {

    /**
     * Bisection steps on log(epsilon) in [log 1e-6, 0] per sample image: 16 resolve epsilon to
     * within 0.03%, finer than one parameter of difference matters.
     */
    static final int BISECTION_STEPS = 16;
    private static final double SMALLEST_EPSILON = 1e-6;

    public RankProfile {
        if (layoutSpec == null || weights == null || weights.length == 0) {
            throw new IllegalArgumentException("a rank profile needs its layout spec and one weight row per stage");
        }
        double[][] copy = new double[weights.length][];
        for (int s = 0; s < weights.length; s++) {
            copy[s] = weights[s].clone();
            if (copy[s].length != copy[0].length) {
                throw new IllegalArgumentException("rank profile stage " + (s + 1) + " has " + copy[s].length
                        + " weights but stage 1 has " + copy[0].length + "; give one weight per bond for every stage");
            }
            for (double w : copy[s]) {
                if (!(w >= 1) || Double.isInfinite(w)) {
                    throw new IllegalArgumentException("rank profile weight " + w
                            + " is invalid: weights are mean bond dimensions, finite and at least 1");
                }
            }
        }
        weights = copy;
        if (energy != null) {
            if (energy.length != copy.length) {
                throw new IllegalArgumentException("rank profile has energy spectra for " + energy.length
                        + " stage(s) but weights for " + copy.length);
            }
            double[][][] e = new double[energy.length][][];
            for (int st = 0; st < energy.length; st++) {
                e[st] = new double[energy[st].length][];
                for (int k = 0; k < energy[st].length; k++) {
                    e[st][k] = energy[st][k].clone();
                }
            }
            energy = e;
        }
    }

    @Override
    public double[][][] energy() {
        if (energy == null) {
            return null;
        }
        double[][][] e = new double[energy.length][][];
        for (int s = 0; s < energy.length; s++) {
            e[s] = new double[energy[s].length][];
            for (int k = 0; k < energy[s].length; k++) {
                e[s][k] = energy[s][k].clone();
            }
        }
        return e;
    }

    /** Whether the profile holds measured spectra (it was calibrated). */
    public boolean calibrated() {
        return energy != null;
    }

    /**
     * Expected fraction of the image's energy that caps {@code ranks} discard at stage
     * {@code stage}: the mean spectra past each cap.
     */
    double expectedLoss(int stage, int[] ranks) {
        double loss = 0;
        for (int k = 0; k < ranks.length; k++) {
            double[] e = energy[stage][k];
            for (int i = ranks[k]; i < e.length; i++) {
                loss += e[i];
            }
        }
        return loss;
    }

    @Override
    public double[][] weights() {
        double[][] copy = new double[weights.length][];
        for (int s = 0; s < weights.length; s++) {
            copy[s] = weights[s].clone();
        }
        return copy;
    }

    public int stages() {
        return weights.length;
    }

    /** Whether this profile can plan images of this layout with this many stages. */
    public boolean fits(TensorLayout layout, int stages) {
        return layoutSpec.equals(layout.spec()) && stages == weights.length
                && weights[0].length == layout.cores() - 1;
    }

    /** The paper's rule: the same weight on every bond of every stage. */
    public static RankProfile uniform(TensorLayout layout, int stages) {
        double[][] w = new double[stages][layout.cores() - 1];
        for (double[] row : w) {
            Arrays.fill(row, 1.0);
        }
        return new RankProfile(layout.spec(), w, null);
    }

    /**
     * Measures the profile on sample images of one shape.
     *
     * @param samples images of {@code layout.shape()}, HWC row-major; a few dozen is plenty
     * @throws IllegalArgumentException if there are no samples or one does not match the shape
     */
    public static RankProfile calibrate(List<float[]> samples, TensorLayout layout, int stages, double ratio,
            LowRankFactorizer factorizer) {
        if (samples == null || samples.isEmpty()) {
            throw new IllegalArgumentException("rank calibration needs at least one sample image of shape "
                    + layout.shape());
        }
        Calibration calibration = new Calibration(layout, stages, ratio);
        TtSvd tt = new TtSvd(factorizer);
        for (float[] pixels : samples) {
            calibration.add(pixels, tt);
        }
        return calibration.profile();
    }

    /**
     * Sums of ranks and spectra over sample images, mergeable across machines: a Spark job adds
     * images on executors and merges the partial sums on the driver.
     */
    public static final class Calibration implements Serializable {

        private final String layoutSpec;
        private final ImageShape shape;
        private final int stages;
        private final double ratio;
        private final int bisectionSteps;
        private final double[][] rankSums;
        private final double[][][] energySums;
        private long images;
        /** The layout, parsed again after serialisation (its index map is worth keeping between images). */
        private transient TensorLayout layout;

        public Calibration(TensorLayout layout, int stages, double ratio) {
            this(layout, stages, ratio, BISECTION_STEPS);
        }

        /**
         * A calibration that bisects each image's threshold in fewer steps than the default, for a
         * quick comparison of layouts ({@link LayoutSearch}); its profile is not the job's.
         */
        Calibration(TensorLayout layout, int stages, double ratio, int bisectionSteps) {
            Truncation.TargetRatio.requireValid(ratio);
            if (bisectionSteps < 1) {
                throw new IllegalArgumentException("bisection steps " + bisectionSteps + " is invalid: use 1 or more");
            }
            this.bisectionSteps = bisectionSteps;
            this.layout = layout;
            this.layoutSpec = layout.spec();
            this.shape = layout.shape();
            this.stages = stages;
            this.ratio = ratio;
            this.rankSums = new double[stages][layout.cores() - 1];
            this.energySums = new double[stages][layout.cores() - 1][0];
        }

        /** Adds one image, decomposing it with {@code tt}. */
        public void add(float[] pixels, TtSvd tt) {
            shape.requireMatches(pixels);
            if (layout == null) {
                layout = TensorLayout.parse(layoutSpec, shape);
            }
            double[] tensor = new double[layout.size()];
            layout.tensorize(pixels, tensor);
            long budget = (long) Math.floor(ratio * shape.values() + 1e-9);
            StagedTtSvd staged = StagedTtSvd.forRoute(tt);
            List<Decomposition> decomposed = fill(staged, tensor, layout.dims(), stages, budget, bisectionSteps);
            double imageEnergy = Math.max(Double.MIN_NORMAL, square(decomposed.get(0).inputNorm()));
            for (int s = 0; s < stages; s++) {
                int[] ranks = decomposed.get(s).mps().bonds();
                for (int k = 0; k < ranks.length; k++) {
                    rankSums[s][k] += ranks[k];
                    double[] spectrum = decomposed.get(s).spectrum(k);
                    if (energySums[s][k].length < spectrum.length) {
                        energySums[s][k] = Arrays.copyOf(energySums[s][k], spectrum.length);
                    }
                    for (int i = 0; i < spectrum.length; i++) {
                        energySums[s][k][i] += spectrum[i] / imageEnergy;
                    }
                }
            }
            images++;
        }

        /** Adds another calibration's sums to this one. */
        public Calibration merge(Calibration other) {
            if (!layoutSpec.equals(other.layoutSpec) || stages != other.stages || ratio != other.ratio
                    || bisectionSteps != other.bisectionSteps) {
                throw new IllegalArgumentException("cannot merge calibrations of " + layoutSpec + " and "
                        + other.layoutSpec);
            }
            for (int s = 0; s < stages; s++) {
                for (int k = 0; k < rankSums[s].length; k++) {
                    rankSums[s][k] += other.rankSums[s][k];
                    double[] e = other.energySums[s][k];
                    if (energySums[s][k].length < e.length) {
                        energySums[s][k] = Arrays.copyOf(energySums[s][k], e.length);
                    }
                    for (int i = 0; i < e.length; i++) {
                        energySums[s][k][i] += e[i];
                    }
                }
            }
            images += other.images;
            return this;
        }

        public long images() {
            return images;
        }

        /**
         * The mean profile.
         *
         * @throws IllegalStateException if no image was added
         */
        public RankProfile profile() {
            if (images == 0) {
                throw new IllegalStateException("no images were added to the calibration of " + layoutSpec);
            }
            double[][] weights = new double[stages][];
            double[][][] energy = new double[stages][][];
            for (int s = 0; s < stages; s++) {
                weights[s] = new double[rankSums[s].length];
                energy[s] = new double[rankSums[s].length][];
                for (int k = 0; k < rankSums[s].length; k++) {
                    weights[s][k] = Math.max(1.0, rankSums[s][k] / images);
                    energy[s][k] = new double[energySums[s][k].length];
                    for (int i = 0; i < energy[s][k].length; i++) {
                        energy[s][k][i] = energySums[s][k][i] / images;
                    }
                }
            }
            return new RankProfile(layoutSpec, weights, energy);
        }
    }

    private static double square(double x) {
        return x * x;
    }

    /**
     * The stages of the MMPS whose stages all truncate at one absolute threshold, bisected so the
     * stored values just fit the budget.
     */
    private static List<Decomposition> fill(StagedTtSvd staged, double[] tensor, int[] dims, int stages,
            long budget, int bisectionSteps) {
        double norm = 0;
        for (double v : tensor) {
            norm += v * v;
        }
        norm = Math.sqrt(norm);
        List<Decomposition> best = null;
        double lo = Math.log(SMALLEST_EPSILON);
        double hi = 0;
        for (int step = 0; step < bisectionSteps; step++) {
            double mid = 0.5 * (lo + hi);
            // A trial past the budget is discarded, so it stops as soon as its cores exceed it. Trials need their
            // decompositions, not their sum: without an approximation the last stage is not contracted.
            Optional<List<Decomposition>> trial = staged.decomposeWithin(tensor, dims, stages,
                    threshold(Math.exp(mid) * norm), null, budget);
            if (trial.isPresent()) {
                best = trial.get();
                hi = mid;
            } else {
                lo = mid;
            }
        }
        if (best == null) {
            // Bond dimension 1 everywhere: what a budget too small for any threshold gets.
            best = staged.decompose(tensor, dims,
                    java.util.Collections.nCopies(stages, BondPolicy.uniform(1, dims.length)), null);
        }
        return best;
    }

    /**
     * Every stage truncated at the same absolute error {@code threshold}: the Oseledets target
     * relative to that stage's own input.
     */
    private static StagedTtSvd.StagePolicy threshold(double threshold) {
        return (stage, residual, size) -> {
            double inputNorm = 0;
            for (int i = 0; i < size; i++) {
                inputNorm += residual[i] * residual[i];
            }
            inputNorm = Math.sqrt(inputNorm);
            double epsilon = inputNorm == 0 ? 0.5 : Math.min(0.999, threshold / inputNorm);
            return BondPolicy.relativeError(Math.max(epsilon, 1e-12));
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RankProfile p && layoutSpec.equals(p.layoutSpec) && Arrays.deepEquals(weights, p.weights)
                && Arrays.deepEquals(energy, p.energy);
    }

    @Override
    public int hashCode() {
        return layoutSpec.hashCode() * 31 + Arrays.deepHashCode(weights);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("RankProfile[" + layoutSpec);
        for (double[] row : weights) {
            b.append(" |");
            for (double w : row) {
                b.append(String.format(Locale.ROOT, " %.2f", w));
            }
        }
        return b.append("]").toString();
    }
}
