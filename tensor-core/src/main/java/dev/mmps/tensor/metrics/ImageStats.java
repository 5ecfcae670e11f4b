package dev.mmps.tensor.metrics;

import java.util.Arrays;

/**
 * Per-image statistics of a compression.
 *
 * @param parameters stored values over all stages, {@code sum_s sum_k r_{k-1} j_k r_k}
 * @param ratio {@code parameters / (H * W * C)}: paper Eq. 4 for one stage, Eq. 6 for more. The
 *     denominator is the unpadded image, so padding never makes a ratio look better
 * @param relativeError {@code ||X - X'||_F / ||X||_F} over the image's pixels
 * @param psnrDb PSNR in dB on the [0, 1] scale; positive infinity if exact
 * @param discarded per stage, per bond, the Frobenius norm of the dropped singular values
 *     ({@code epsilon_k} of Eq. 3)
 * @param stageErrorBounds per stage, the Eq. 3 bound {@code sqrt(sum_k epsilon_k^2)} on that
 *     stage's error; the last one bounds the image's error in the tensor (up to float32 rounding
 *     of the stored cores)
 */
public record ImageStats(long parameters, double ratio, double relativeError, double psnrDb, double[][] discarded,
        double[] stageErrorBounds) {

    public ImageStats {
        discarded = deepCopy(discarded);
        stageErrorBounds = stageErrorBounds.clone();
    }

    private static double[][] deepCopy(double[][] values) {
        double[][] copy = new double[values.length][];
        for (int i = 0; i < values.length; i++) {
            copy[i] = values[i].clone();
        }
        return copy;
    }

    @Override
    public double[][] discarded() {
        return deepCopy(discarded);
    }

    @Override
    public double[] stageErrorBounds() {
        return stageErrorBounds.clone();
    }

    /**
     * The Eq. 3 bound of the last stage: what the whole MMPS promises for {@code ||A - MMPS(A)||_F};
     * NaN for codecs that give no bound.
     */
    public double errorBound() {
        return stageErrorBounds.length == 0 ? Double.NaN : stageErrorBounds[stageErrorBounds.length - 1];
    }

    /** The same statistics with the error measured again, for factors stored at a lower precision. */
    public ImageStats remeasured(double relativeError, double psnrDb) {
        return new ImageStats(parameters, ratio, relativeError, psnrDb, discarded, stageErrorBounds);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageStats s && parameters == s.parameters && Double.compare(ratio, s.ratio) == 0
                && Double.compare(relativeError, s.relativeError) == 0 && Double.compare(psnrDb, s.psnrDb) == 0
                && Arrays.deepEquals(discarded, s.discarded) && Arrays.equals(stageErrorBounds, s.stageErrorBounds);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(parameters) * 31 + Double.hashCode(psnrDb);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "ImageStats[parameters=%d, ratio=%.4f, relativeError=%.5f, psnr=%.2f dB]",
                parameters, ratio, relativeError, psnrDb);
    }
}
