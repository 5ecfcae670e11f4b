package dev.mmps.tensor.codec;

import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.metrics.ImageStats;
import dev.mmps.tensor.metrics.Quality;
import dev.mmps.tensor.tt.BondPolicy;
import dev.mmps.tensor.tt.Decomposition;
import dev.mmps.tensor.tt.Mps;
import dev.mmps.tensor.tt.StagedTtSvd;
import dev.mmps.tensor.tt.TtSvd;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compresses images into Multiple Matrix Product States: Algorithm 2 of the MMPS paper,
 * generalised to {@code K} stages.
 *
 * <p>The image is laid out as a tensor; stage 1 is the TT-SVD of the tensor, and each further stage
 * the TT-SVD of what the stages before it left out, computed from the float32 cores as stored, so
 * that later stages also absorb the rounding of earlier ones ({@link StagedTtSvd}). The image is the
 * sum of the stages.
 *
 * <p>Layouts and bond caps are resolved once per image shape and cached. Not thread-safe: use one
 * codec per thread (a Spark task makes its own).
 */
public final class MmpsCodec implements ImageCodec {

    private static final int LAYOUT_CACHE_SIZE = 64;

    private final CompressionSpec spec;
    private final Map<ImageShape, Plan> plans = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ImageShape, Plan> eldest) {
            return size() > LAYOUT_CACHE_SIZE;
        }
    };
    private final StagedTtSvd stagedTtSvd;
    private double[] tensor = new double[0];
    private double[] approximation = new double[0];
    /** The rebuilt image, for its PSNR; reused like the tensors. */
    private float[] rebuilt = new float[0];

    /** The resolved layout and per-stage bond policies for one image shape. */
    public record Plan(TensorLayout layout, List<BondPolicy> policies) {}

    public MmpsCodec(CompressionSpec spec, LowRankFactorizer factorizer) {
        if (spec == null) {
            throw new IllegalArgumentException("compression spec is null; use CompressionSpec.defaults()");
        }
        this.spec = spec;
        this.stagedTtSvd = StagedTtSvd.forRoute(new TtSvd(factorizer));
    }

    public CompressionSpec spec() {
        return spec;
    }

    /**
     * The layout and bond policies this codec uses for a shape.
     *
     * @throws IllegalArgumentException if the spec cannot be met for this shape
     */
    public Plan plan(ImageShape shape) {
        Plan plan = plans.get(shape);
        if (plan == null) {
            TensorLayout layout = spec.layout().resolve(shape);
            plan = new Plan(layout, spec.truncation().policies(layout, spec.stages()));
            plans.put(shape, plan);
        }
        return plan;
    }

    @Override
    public String name() {
        return spec.stages() == 1 ? "mps" : "mmps";
    }

    @Override
    public Encoding encode(float[] pixels, ImageShape shape) {
        CompressedImage c = compress(pixels, shape);
        return new Encoding(c.factors(), c.stats());
    }

    /**
     * Compresses one image.
     *
     * @param pixels {@code H x W x C} row-major values, nominally in [0, 1]; all finite
     * @throws IllegalArgumentException for a null or mismatched array, non-finite values, or a
     *     truncation this shape cannot meet
     */
    public CompressedImage compress(float[] pixels, ImageShape shape) {
        if (shape == null) {
            throw new IllegalArgumentException("image shape is null; pass the height, width and channels");
        }
        shape.requireMatches(pixels);
        Plan plan = plan(shape);
        TensorLayout layout = plan.layout();
        int size = layout.size();
        ensureCapacity(size, shape.values());
        layout.tensorize(pixels, tensor);
        List<Decomposition> decompositions = stagedTtSvd.decompose(tensor, layout.dims(), plan.policies(),
                layout.padded() ? approximation : null);
        List<Mps> stages = new ArrayList<>(decompositions.size());
        double[][] discarded = new double[decompositions.size()][];
        double[] bounds = new double[decompositions.size()];
        for (int s = 0; s < decompositions.size(); s++) {
            Decomposition d = decompositions.get(s);
            stages.add(d.mps());
            discarded[s] = d.discarded();
            bounds[s] = d.errorBound();
        }
        MmpsFactors factors = new MmpsFactors(layout, stages);
        double squaredError = squaredError(pixels, layout);
        double inputNorm = decompositions.get(0).inputNorm();
        ImageStats stats = new ImageStats(factors.parameters(), factors.ratio(),
                Quality.relativeError(squaredError, inputNorm * inputNorm),
                Quality.psnrDb(squaredError, pixels.length), discarded, bounds);
        return new CompressedImage(factors, stats);
    }

    /**
     * The squared error of the sum of the stages against the image. Without padding every tensor entry is a
     * pixel, and the staged TT-SVD knows the residual's squared norm (the last stage's part from what its steps
     * discarded, with no contraction); with padding the rebuilt image is compared pixel by pixel.
     */
    private double squaredError(float[] pixels, TensorLayout layout) {
        if (!layout.padded()) {
            return stagedTtSvd.residualSquaredNorm();
        }
        layout.untensorize(approximation, rebuilt);
        return Quality.squaredError(pixels, rebuilt, pixels.length);
    }

    private void ensureCapacity(int size, int values) {
        if (tensor.length < size) {
            tensor = new double[size];
            approximation = new double[size];
        }
        if (rebuilt.length < values) {
            rebuilt = new float[values];
        }
    }
}
