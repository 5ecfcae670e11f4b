package dev.mmps.tensor.baseline;

import dev.mmps.tensor.codec.ImageCodec;
import dev.mmps.tensor.codec.ImageFactors;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.linalg.JavaGemm;
import dev.mmps.tensor.linalg.MatrixProduct;
import java.util.Random;

/**
 * A CP decomposition of the {@code H x W x C} image: {@code X ~ sum_r a_r o b_r o c_r} with factor
 * matrices {@code A} ({@code H x R}), {@code B} ({@code W x R}), {@code C} ({@code C x R}), with no
 * separate weight vector (the factors carry the scale). Parameters: {@code R (H + W + C)}; the rank is the largest that
 * fits the budget.
 *
 * <p>Alternating least squares from a seeded random start (the same image always gives the same
 * factors), each update solving the normal equations with a tiny ridge so that collinear columns
 * cannot make it fail. It stops when the fit {@code 1 - ||X - X'|| / ||X||} improves by less than
 * {@code tolerance} in a sweep, or after {@code maxSweeps}; {@link Factors#sweeps()} and
 * {@link Factors#fit()} say which and how well.
 */
public final class CpCodec implements ImageCodec {

    /** Relative ridge added to the diagonal of each normal-equations matrix. */
    private static final double RIDGE = 1e-10;

    private final double ratio;
    private final int maxSweeps;
    private final double tolerance;
    private final long seed;
    private final MatrixProduct products;

    public CpCodec(double ratio, int maxSweeps, double tolerance, long seed) {
        this(ratio, maxSweeps, tolerance, seed, new JavaGemm());
    }

    /** With the matrix products of an SVD route ({@code LowRankFactorizer.products()}): native when available. */
    public CpCodec(double ratio, int maxSweeps, double tolerance, long seed, MatrixProduct products) {
        Truncation.TargetRatio.requireValid(ratio);
        if (maxSweeps < 1) {
            throw new IllegalArgumentException("CP sweeps=" + maxSweeps + " is invalid: use 1 or more, for example 100");
        }
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException("CP tolerance " + tolerance + " is invalid: use 0 or more, for "
                    + "example 1e-5");
        }
        this.ratio = ratio;
        this.maxSweeps = maxSweeps;
        this.tolerance = tolerance;
        this.seed = seed;
        this.products = products;
    }

    @Override
    public String name() {
        return "cp";
    }

    /** The largest rank whose factors fit {@code ratio}. */
    public static int rank(ImageShape shape, double ratio) {
        return Tensors.largestRank("CP", shape, ratio, (long) shape.height() + shape.width() + shape.channels(),
                Integer.MAX_VALUE);
    }

    @Override
    public Encoding encode(float[] pixels, ImageShape shape) {
        Tensors.requireImage(pixels, shape);
        int rank = rank(shape, ratio);
        int h = shape.height();
        int w = shape.width();
        int ch = shape.channels();
        double[] x = Tensors.toDouble(pixels);
        double normSq = 0;
        for (double v : x) {
            normSq += v * v;
        }
        // One H x W plane per channel: every MTTKRP is then C matrix products with a factor.
        int[] dims = {h, w, ch};
        double[] byChannel = Tensors.unfold(x, dims, 2);
        double[][] planes = new double[ch][];
        for (int c = 0; c < ch; c++) {
            planes[c] = java.util.Arrays.copyOfRange(byChannel, c * h * w, (c + 1) * h * w);
        }
        Random random = new Random(seed);
        double[][] f = {uniform(random, h * rank), uniform(random, w * rank), uniform(random, ch * rank)};
        double fit = 0;
        int sweeps = 0;
        while (sweeps < maxSweeps && normSq > 0) {
            sweeps++;
            double[] m = null;
            for (int mode = 0; mode < 3; mode++) {
                m = mttkrp(planes, dims, f, mode, rank);
                double[] v = hadamardOfGrams(f, dims, mode, rank);
                f[mode] = solve(m, dims[mode], v, rank);
            }
            // ||X - X'||^2 = ||X||^2 - 2 <X, X'> + ||X'||^2, with <X, X'> from the last MTTKRP.
            double inner = 0;
            for (int i = 0; i < ch * rank; i++) {
                inner += m[i] * f[2][i];
            }
            double[] all = hadamardOfGrams(f, dims, -1, rank);
            double modelSq = 0;
            for (double v : all) {
                modelSq += v;
            }
            double residual = Math.sqrt(Math.max(0, normSq - 2 * inner + modelSq));
            double newFit = 1 - residual / Math.sqrt(normSq);
            boolean settled = sweeps > 1 && Math.abs(newFit - fit) < tolerance;
            fit = newFit;
            if (settled) {
                break;
            }
        }
        if (normSq == 0) {
            fit = 1;
            for (double[] factor : f) {
                java.util.Arrays.fill(factor, 0);
            }
        }
        return Tensors.measure(new Factors(shape, rank, Tensors.toFloat(f[0], 0, f[0].length),
                Tensors.toFloat(f[1], 0, f[1].length), Tensors.toFloat(f[2], 0, f[2].length), sweeps, fit), pixels);
    }

    private static double[] uniform(Random random, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextDouble();
        }
        return v;
    }

    /**
     * The matricised tensor times the Khatri-Rao product of the other two factors
     * ({@code dims[mode] x R}), through products with each channel's plane: with {@code T_c} the
     * plane times a spatial factor, mode 0 is {@code sum_c T_c diag(C[c])}, mode 1 the same with
     * the transposed plane and {@code A}, and mode 2 {@code M[c][r] = sum_y A[y][r] T_c[y][r]}.
     */
    private double[] mttkrp(double[][] planes, int[] dims, double[][] f, int mode, int rank) {
        int h = dims[0];
        int w = dims[1];
        int ch = dims[2];
        double[] m = new double[dims[mode] * rank];
        int rows = mode == 1 ? w : h;
        double[] t = new double[rows * rank];
        for (int c = 0; c < ch; c++) {
            if (mode == 1) {
                products.multiply(planes[c], true, f[0], false, w, rank, h, t);
            } else {
                products.multiply(planes[c], false, f[1], false, h, rank, w, t);
            }
            if (mode == 2) {
                for (int y = 0; y < h; y++) {
                    for (int r = 0; r < rank; r++) {
                        m[c * rank + r] += f[0][y * rank + r] * t[y * rank + r];
                    }
                }
            } else {
                for (int i = 0; i < rows; i++) {
                    for (int r = 0; r < rank; r++) {
                        m[i * rank + r] += t[i * rank + r] * f[2][c * rank + r];
                    }
                }
            }
        }
        return m;
    }

    /** The elementwise product of the Gram matrices {@code F^T F} of every factor but {@code skip}. */
    private static double[] hadamardOfGrams(double[][] f, int[] dims, int skip, int rank) {
        double[] v = new double[rank * rank];
        java.util.Arrays.fill(v, 1);
        for (int k = 0; k < 3; k++) {
            if (k == skip) {
                continue;
            }
            for (int r = 0; r < rank; r++) {
                for (int s = r; s < rank; s++) {
                    double g = 0;
                    for (int i = 0; i < dims[k]; i++) {
                        g += f[k][i * rank + r] * f[k][i * rank + s];
                    }
                    v[r * rank + s] *= g;
                    if (s != r) {
                        v[s * rank + r] *= g;
                    }
                }
            }
        }
        return v;
    }

    /** Solves {@code F V = M} for {@code F} ({@code rows x R}) by Cholesky of the ridged {@code V}. */
    private static double[] solve(double[] m, int rows, double[] v, int rank) {
        double trace = 0;
        for (int r = 0; r < rank; r++) {
            trace += v[r * rank + r];
        }
        double ridge = RIDGE * Math.max(trace / rank, Double.MIN_NORMAL);
        double[] l = v.clone();
        for (int r = 0; r < rank; r++) {
            l[r * rank + r] += ridge;
        }
        for (int j = 0; j < rank; j++) {
            double d = l[j * rank + j];
            for (int k = 0; k < j; k++) {
                d -= l[j * rank + k] * l[j * rank + k];
            }
            d = Math.sqrt(Math.max(d, ridge));
            l[j * rank + j] = d;
            for (int i = j + 1; i < rank; i++) {
                double s = l[i * rank + j];
                for (int k = 0; k < j; k++) {
                    s -= l[i * rank + k] * l[j * rank + k];
                }
                l[i * rank + j] = s / d;
            }
        }
        double[] out = new double[rows * rank];
        double[] z = new double[rank];
        for (int row = 0; row < rows; row++) {
            for (int i = 0; i < rank; i++) {
                double s = m[row * rank + i];
                for (int k = 0; k < i; k++) {
                    s -= l[i * rank + k] * z[k];
                }
                z[i] = s / l[i * rank + i];
            }
            for (int i = rank - 1; i >= 0; i--) {
                double s = z[i];
                for (int k = i + 1; k < rank; k++) {
                    s -= l[k * rank + i] * out[row * rank + k];
                }
                out[row * rank + i] = s / l[i * rank + i];
            }
        }
        return out;
    }

    /**
     * The stored form: {@code a} ({@code H x rank}), {@code b} ({@code W x rank}),
     * {@code c} ({@code C x rank}), row-major float32; and how the fit ended.
     */
    public record Factors(ImageShape shape, int rank, float[] a, float[] b, float[] c, int sweeps, double fit)
            implements ImageFactors {

        @Override
        public long parameters() {
            return (long) rank * (shape.height() + shape.width() + shape.channels());
        }

        @Override
        public float[] reconstruct() {
            int h = shape.height();
            int w = shape.width();
            int ch = shape.channels();
            float[] pixels = new float[shape.values()];
            double[] ab = new double[rank];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int r = 0; r < rank; r++) {
                        ab[r] = (double) a[y * rank + r] * b[x * rank + r];
                    }
                    for (int k = 0; k < ch; k++) {
                        double s = 0;
                        for (int r = 0; r < rank; r++) {
                            s += ab[r] * c[k * rank + r];
                        }
                        pixels[(y * w + x) * ch + k] = (float) s;
                    }
                }
            }
            return pixels;
        }
    }
}
