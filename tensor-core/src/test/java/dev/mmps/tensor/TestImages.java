package dev.mmps.tensor;

import dev.mmps.tensor.layout.ImageShape;
import java.util.Random;

/** Seeded synthetic images for tests: noise, smooth gradients, and mixtures like photographs. */
public final class TestImages {

    private TestImages() {}

    /** Uniform noise in [0, 1): full rank everywhere, the hardest case for truncation. */
    public static float[] noise(ImageShape shape, long seed) {
        Random random = new Random(seed);
        float[] p = new float[shape.values()];
        for (int i = 0; i < p.length; i++) {
            p[i] = random.nextFloat();
        }
        return p;
    }

    /**
     * A smooth image with a little noise: a few random sinusoids per channel, correlated across
     * channels, plus 2% noise; values in [0, 1]. Its spectra decay like a photograph's.
     */
    public static float[] natural(ImageShape shape, long seed) {
        Random random = new Random(seed);
        int waves = 6;
        double[] fy = new double[waves];
        double[] fx = new double[waves];
        double[] phase = new double[waves];
        double[] amp = new double[waves];
        for (int i = 0; i < waves; i++) {
            fy[i] = random.nextDouble() * 3 / Math.max(1, shape.height()) * (i + 1);
            fx[i] = random.nextDouble() * 3 / Math.max(1, shape.width()) * (i + 1);
            phase[i] = random.nextDouble() * 2 * Math.PI;
            amp[i] = 0.25 / (i + 1);
        }
        double[] tint = new double[shape.channels()];
        for (int c = 0; c < tint.length; c++) {
            tint[c] = 0.8 + 0.4 * random.nextDouble();
        }
        float[] p = new float[shape.values()];
        for (int y = 0; y < shape.height(); y++) {
            for (int x = 0; x < shape.width(); x++) {
                double v = 0.5;
                for (int i = 0; i < waves; i++) {
                    v += amp[i] * Math.sin(2 * Math.PI * (fy[i] * y + fx[i] * x) + phase[i]);
                }
                for (int c = 0; c < shape.channels(); c++) {
                    double value = v * tint[c] + 0.02 * random.nextGaussian();
                    p[(y * shape.width() + x) * shape.channels() + c] = (float) Math.min(1, Math.max(0, value));
                }
            }
        }
        return p;
    }

    public static float[] constant(ImageShape shape, float value) {
        float[] p = new float[shape.values()];
        java.util.Arrays.fill(p, value);
        return p;
    }

    /** A random row-major matrix with entries in [-1, 1). */
    public static double[] matrix(int rows, int cols, Random random) {
        double[] a = new double[rows * cols];
        for (int i = 0; i < a.length; i++) {
            a[i] = 2 * random.nextDouble() - 1;
        }
        return a;
    }

    /** A random matrix of the given rank (a product of random factors). */
    public static double[] lowRank(int rows, int cols, int rank, Random random) {
        double[] left = matrix(rows, rank, random);
        double[] right = matrix(rank, cols, random);
        double[] a = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < rank; k++) {
                for (int j = 0; j < cols; j++) {
                    a[i * cols + j] += left[i * rank + k] * right[k * cols + j];
                }
            }
        }
        return a;
    }
}
