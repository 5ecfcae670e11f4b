package dev.mmps.tensor.baseline;

import dev.mmps.tensor.codec.ImageCodec;
import dev.mmps.tensor.codec.ImageFactors;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.linalg.LowRank;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.RankSelector;

/**
 * A Tucker decomposition of the {@code H x W x C} image: a core {@code G} ({@code r1 x r2 x r3})
 * and factor matrices {@code U1} ({@code H x r1}), {@code U2} ({@code W x r2}), {@code U3}
 * ({@code C x r3}) with orthonormal columns, {@code X ~ G x1 U1 x2 U2 x3 U3}. The factors are the
 * leading left singular vectors of the three unfoldings (truncated HOSVD), optionally refined by
 * HOOI sweeps (each factor recomputed from the image projected on the other two). Parameters:
 * {@code r1 r2 r3 + H r1 + W r2 + C r3}.
 *
 * <p>Ranks come from a target ratio (the colour rank kept whole while the budget allows, the two
 * spatial ranks in proportion to {@code H} and {@code W}, the largest that fit) or from an energy
 * threshold: per mode the smallest rank whose singular values keep that fraction of
 * {@code ||X||_F^2}.
 */
public final class TuckerCodec implements ImageCodec {

    private final double ratio;
    private final double energy;
    private final int refinements;
    private final LowRankFactorizer factorizer;
    private final LowRank lowRank = new LowRank();

    private TuckerCodec(double ratio, double energy, int refinements, LowRankFactorizer factorizer) {
        if (refinements < 0) {
            throw new IllegalArgumentException("HOOI refinements=" + refinements + " is invalid: use 0 (plain "
                    + "HOSVD) or more");
        }
        this.ratio = ratio;
        this.energy = energy;
        this.refinements = refinements;
        this.factorizer = factorizer;
    }

    /** Ranks for a target ratio, then {@code refinements} HOOI sweeps. */
    public static TuckerCodec forRatio(double ratio, int refinements, LowRankFactorizer factorizer) {
        Truncation.TargetRatio.requireValid(ratio);
        return new TuckerCodec(ratio, Double.NaN, refinements, factorizer);
    }

    /** Ranks that keep {@code energy} of the squared norm in every mode, e.g. 0.99. */
    public static TuckerCodec forEnergy(double energy, int refinements, LowRankFactorizer factorizer) {
        if (!(energy > 0 && energy <= 1)) {
            throw new IllegalArgumentException("energy threshold " + energy + " is invalid: it must lie in (0, 1], "
                    + "the fraction of the squared norm each mode keeps, for example 0.99");
        }
        return new TuckerCodec(Double.NaN, energy, refinements, factorizer);
    }

    @Override
    public String name() {
        return "tucker";
    }

    /** Stored values for these ranks. */
    public static long parameters(ImageShape shape, int[] ranks) {
        return (long) ranks[0] * ranks[1] * ranks[2] + (long) shape.height() * ranks[0]
                + (long) shape.width() * ranks[1] + (long) shape.channels() * ranks[2];
    }

    /**
     * The ranks for a ratio: the colour rank as large as the budget allows (whole when possible),
     * then the spatial ranks {@code (round(t H), round(t W))} for the largest {@code t} that fits,
     * each then raised by one while that still fits.
     */
    public static int[] ranks(ImageShape shape, double ratio) {
        long budget = Tensors.budget(shape, ratio);
        for (int r3 = shape.channels(); r3 >= 1; r3--) {
            int[] best = null;
            for (int r1 = 1; r1 <= shape.height(); r1++) {
                int r2 = (int) Math.max(1, Math.min(shape.width(), Math.round((double) r1 * shape.width() / shape.height())));
                int[] r = {r1, r2, r3};
                if (parameters(shape, r) <= budget) {
                    best = r;
                }
            }
            if (best != null) {
                for (int k = 0; k < 2; k++) {
                    int[] up = best.clone();
                    up[k]++;
                    if (up[k] <= (k == 0 ? shape.height() : shape.width()) && parameters(shape, up) <= budget) {
                        best = up;
                    }
                }
                return best;
            }
        }
        throw Tensors.belowSmallest("Tucker", ratio, shape, parameters(shape, new int[] {1, 1, 1}), "ranks 1, 1, 1");
    }

    @Override
    public Encoding encode(float[] pixels, ImageShape shape) {
        Tensors.requireImage(pixels, shape);
        int[] dims = {shape.height(), shape.width(), shape.channels()};
        double[] x = Tensors.toDouble(pixels);
        int[] ranks = Double.isNaN(ratio) ? new int[3] : ranks(shape, ratio);
        double[][] factors = new double[3][];
        for (int mode = 0; mode < 3; mode++) {
            factors[mode] = leading(Tensors.unfold(x, dims, mode), dims, mode, ranks);
        }
        for (int sweep = 0; sweep < refinements; sweep++) {
            for (int mode = 0; mode < 3; mode++) {
                double[] y = x;
                int[] yDims = dims.clone();
                for (int other = 0; other < 3; other++) {
                    if (other != mode) {
                        y = Tensors.modeProduct(y, yDims, other, Tensors.transpose(factors[other], dims[other],
                                ranks[other]), ranks[other]);
                        yDims[other] = ranks[other];
                    }
                }
                int keep = ranks[mode];
                factors[mode] = leading(Tensors.unfold(y, yDims, mode), yDims, mode, new int[] {keep, keep, keep});
            }
        }
        double[] core = x;
        int[] coreDims = dims.clone();
        for (int mode = 0; mode < 3; mode++) {
            core = Tensors.modeProduct(core, coreDims, mode, Tensors.transpose(factors[mode], dims[mode], ranks[mode]),
                    ranks[mode]);
            coreDims[mode] = ranks[mode];
        }
        return Tensors.measure(new Factors(shape, ranks.clone(), Tensors.toFloat(core, 0, core.length),
                Tensors.toFloat(factors[0], 0, factors[0].length), Tensors.toFloat(factors[1], 0, factors[1].length),
                Tensors.toFloat(factors[2], 0, factors[2].length)), pixels);
    }

    /**
     * The leading left singular vectors of an unfolding ({@code dims[mode]} rows), as many as
     * {@code ranks[mode]}, or, when choosing by energy, as many as the threshold needs (written
     * back into {@code ranks}).
     */
    private double[] leading(double[] unfolding, int[] dims, int mode, int[] ranks) {
        int rows = dims[mode];
        int cols = unfolding.length / rows;
        RankSelector selector = ranks[mode] > 0 ? RankSelector.atMost(ranks[mode]) : RankSelector.energy(energy);
        factorizer.factor(unfolding, rows, cols, selector, lowRank);
        int rank = lowRank.rank();
        ranks[mode] = rank;
        return java.util.Arrays.copyOf(lowRank.u(), rows * rank);
    }

    /** The stored form: the core and the three factor matrices, row-major float32. */
    public record Factors(ImageShape shape, int[] ranks, float[] core, float[] u1, float[] u2, float[] u3)
            implements ImageFactors {

        @Override
        public long parameters() {
            return TuckerCodec.parameters(shape, ranks);
        }

        @Override
        public float[] reconstruct() {
            double[] t = Tensors.toDouble(core);
            int[] dims = ranks.clone();
            int[] full = {shape.height(), shape.width(), shape.channels()};
            float[][] u = {u1, u2, u3};
            for (int mode = 0; mode < 3; mode++) {
                t = Tensors.modeProduct(t, dims, mode, Tensors.toDouble(u[mode]), full[mode]);
                dims[mode] = full[mode];
            }
            return Tensors.toFloat(t, 0, t.length);
        }
    }
}
