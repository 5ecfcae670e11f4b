package dev.mmps.tensor.baseline;

import dev.mmps.tensor.codec.ImageCodec.Encoding;
import dev.mmps.tensor.codec.ImageFactors;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.metrics.ImageStats;
import dev.mmps.tensor.metrics.Quality;

/** Small dense kernels on row-major 3-way tensors, and the statistics every baseline reports. */
final class Tensors {

    private Tensors() {}

    /**
     * The mode-{@code mode} unfolding: a {@code dims[mode] x (product of the others)} row-major
     * matrix whose columns run over the other indices in their order.
     */
    static double[] unfold(double[] t, int[] dims, int mode) {
        int n = dims[mode];
        int before = product(dims, 0, mode);
        int after = product(dims, mode + 1, dims.length);
        double[] out = new double[t.length];
        int cols = before * after;
        for (int b = 0; b < before; b++) {
            for (int j = 0; j < n; j++) {
                System.arraycopy(t, (b * n + j) * after, out, j * cols + b * after, after);
            }
        }
        return out;
    }

    /**
     * The mode product {@code t x_mode m}: {@code m} is {@code rows x dims[mode]} row-major, and the
     * result has {@code rows} in place of {@code dims[mode]}.
     */
    static double[] modeProduct(double[] t, int[] dims, int mode, double[] m, int rows) {
        int n = dims[mode];
        int before = product(dims, 0, mode);
        int after = product(dims, mode + 1, dims.length);
        double[] out = new double[before * rows * after];
        for (int b = 0; b < before; b++) {
            for (int i = 0; i < rows; i++) {
                int o = (b * rows + i) * after;
                for (int j = 0; j < n; j++) {
                    double c = m[i * n + j];
                    if (c == 0) {
                        continue;
                    }
                    int s = (b * n + j) * after;
                    for (int a = 0; a < after; a++) {
                        out[o + a] += c * t[s + a];
                    }
                }
            }
        }
        return out;
    }

    static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }

    static int product(int[] dims, int from, int to) {
        int p = 1;
        for (int k = from; k < to; k++) {
            p *= dims[k];
        }
        return p;
    }

    static double[] toDouble(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return d;
    }

    static float[] toFloat(double[] values, int from, int length) {
        float[] f = new float[length];
        for (int i = 0; i < length; i++) {
            f[i] = (float) values[from + i];
        }
        return f;
    }

    /** Rebuilds the stored factors and measures them against the image. */
    static Encoding measure(ImageFactors factors, float[] pixels) {
        float[] rebuilt = factors.reconstruct();
        double squaredError = Quality.squaredError(pixels, rebuilt, pixels.length);
        ImageStats stats = new ImageStats(factors.parameters(), factors.ratio(),
                Quality.relativeError(squaredError, Quality.squaredNorm(pixels, pixels.length)),
                Quality.psnrDb(squaredError, pixels.length), new double[0][], new double[0]);
        return new Encoding(factors, stats);
    }

    /** Checks that the pixels match a shape. */
    static void requireImage(float[] pixels, ImageShape shape) {
        if (shape == null) {
            throw new IllegalArgumentException("image shape is null; pass the height, width and channels");
        }
        shape.requireMatches(pixels);
    }

    /** The budget {@code floor(ratio * H * W * C)} of stored values. */
    static long budget(ImageShape shape, double ratio) {
        return (long) Math.floor(ratio * shape.values() + 1e-9);
    }

    /**
     * The largest rank whose {@code perRank} values per unit fit the budget, at most {@code cap}.
     *
     * @throws IllegalArgumentException if not even rank 1 fits, saying the smallest ratio
     */
    static int largestRank(String codec, ImageShape shape, double ratio, long perRank, int cap) {
        long budget = budget(shape, ratio);
        if (budget < perRank) {
            throw belowSmallest(codec, ratio, shape, perRank, "rank 1");
        }
        return (int) Math.min(cap, budget / perRank);
    }

    /** The error for a budget below a codec's smallest form. */
    static IllegalArgumentException belowSmallest(String codec, double ratio, ImageShape shape, long smallest,
            String smallestForm) {
        double r = (double) smallest / shape.values();
        return new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                "compression ratio %s is below what %s reaches for a %s image: the smallest is %.4f (%s); "
                        + "use --ratio %.4f or more", ratio, codec, shape, r, smallestForm, Math.ceil(r * 1e4) / 1e4));
    }
}
