package dev.mmps.tensor.metrics;

/** Distortion measures between an image and its reconstruction, for values on the [0, 1] scale. */
public final class Quality {

    private Quality() {}

    /** Sum of squared differences over the first {@code length} values. */
    public static double squaredError(float[] original, float[] approximation, int length) {
        double s = 0;
        for (int i = 0; i < length; i++) {
            double d = (double) original[i] - approximation[i];
            s += d * d;
        }
        return s;
    }

    public static double squaredNorm(float[] values, int length) {
        double s = 0;
        for (int i = 0; i < length; i++) {
            s += (double) values[i] * values[i];
        }
        return s;
    }

    /**
     * Peak signal-to-noise ratio in dB for peak value 1: {@code 10 log10(1 / MSE)}; positive infinity
     * for an exact reconstruction.
     */
    public static double psnrDb(double squaredError, long values) {
        if (squaredError <= 0) {
            return Double.POSITIVE_INFINITY;
        }
        return -10.0 * Math.log10(squaredError / values);
    }

    /**
     * {@code ||A - B||_F / ||A||_F}; 0 when both norms are 0, positive infinity when only the image
     * is all zeros.
     */
    public static double relativeError(double squaredError, double squaredNorm) {
        if (squaredNorm == 0) {
            return squaredError == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.sqrt(squaredError / squaredNorm);
    }
}
