package dev.mmps.tensor.baseline;

import dev.mmps.tensor.codec.ImageCodec;
import dev.mmps.tensor.codec.ImageFactors;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.linalg.LowRank;
import dev.mmps.tensor.linalg.LowRankFactorizer;

/**
 * A truncated SVD of each colour channel: channel {@code c} as an {@code H x W} matrix becomes
 * {@code U_c W_c} with {@code U_c} ({@code H x r}, orthonormal columns) and {@code W_c = U_c^T A_c}
 * ({@code r x W}, the singular values folded in). Parameters: {@code C r (H + W)}; the rank is the
 * largest that fits the budget.
 */
public final class SvdCodec implements ImageCodec {

    private final double ratio;
    private final LowRankFactorizer factorizer;
    private final LowRank lowRank = new LowRank();

    public SvdCodec(double ratio, LowRankFactorizer factorizer) {
        Truncation.TargetRatio.requireValid(ratio);
        this.ratio = ratio;
        this.factorizer = factorizer;
    }

    @Override
    public String name() {
        return "svd";
    }

    /** The largest rank whose factors fit {@code ratio}, at most {@code min(H, W)}. */
    public static int rank(ImageShape shape, double ratio) {
        return Tensors.largestRank("per-channel SVD", shape, ratio,
                (long) shape.channels() * (shape.height() + shape.width()), Math.min(shape.height(), shape.width()));
    }

    @Override
    public Encoding encode(float[] pixels, ImageShape shape) {
        Tensors.requireImage(pixels, shape);
        int rank = rank(shape, ratio);
        int h = shape.height();
        int w = shape.width();
        int channels = shape.channels();
        float[][] u = new float[channels][];
        float[][] v = new float[channels][];
        double[] a = new double[h * w];
        int kept = rank;
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < h * w; i++) {
                a[i] = pixels[i * channels + c];
            }
            factorizer.factor(a, h, w, (sigma, count, total) -> Math.min(rank, count), lowRank);
            kept = lowRank.rank();
            u[c] = Tensors.toFloat(lowRank.u(), 0, h * kept);
            v[c] = Tensors.toFloat(lowRank.w(), 0, kept * w);
        }
        return Tensors.measure(new Factors(shape, kept, u, v), pixels);
    }

    /**
     * The stored form: per channel {@code u[c]} ({@code H x rank}) and {@code w[c]}
     * ({@code rank x W}), row-major float32.
     */
    public record Factors(ImageShape shape, int rank, float[][] u, float[][] w) implements ImageFactors {

        @Override
        public long parameters() {
            return (long) shape.channels() * rank * (shape.height() + shape.width());
        }

        @Override
        public float[] reconstruct() {
            int h = shape.height();
            int width = shape.width();
            int channels = shape.channels();
            float[] pixels = new float[shape.values()];
            double[] row = new double[width];
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < h; y++) {
                    java.util.Arrays.fill(row, 0);
                    for (int k = 0; k < rank; k++) {
                        double uk = u[c][y * rank + k];
                        for (int x = 0; x < width; x++) {
                            row[x] += uk * w[c][k * width + x];
                        }
                    }
                    for (int x = 0; x < width; x++) {
                        pixels[(y * width + x) * channels + c] = (float) row[x];
                    }
                }
            }
            return pixels;
        }
    }
}
