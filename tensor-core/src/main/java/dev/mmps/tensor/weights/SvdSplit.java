package dev.mmps.tensor.weights;

import dev.mmps.tensor.linalg.LowRank;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.RankSelector;

/**
 * A fully connected layer's {@code out x in} matrix split into two thinner ones by truncated SVD:
 * {@code W ~ U_r (U_r^T W)}, so the layer becomes {@code in -> r} with weights {@code U_r^T W}
 * ({@code r x in}, the singular values folded in) followed by {@code r -> out} with weights {@code U_r}
 * ({@code out x r}) and the original bias. Row-major float32.
 */
public record SvdSplit(int out, int in, int rank, float[] first, float[] second) {

    /** Splits {@code matrix} ({@code out x in}, row-major) keeping the rank {@code selector} picks. */
    public static SvdSplit decompose(float[] matrix, int out, int in, RankSelector selector,
            LowRankFactorizer factorizer) {
        if (matrix.length != (long) out * in) {
            throw new IllegalArgumentException("a matrix of " + matrix.length + " values is not " + out + " x " + in);
        }
        double[] a = new double[matrix.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = matrix[i];
        }
        LowRank lowRank = new LowRank();
        factorizer.factor(a, out, in, selector, lowRank);
        int rank = lowRank.rank();
        float[] first = new float[rank * in];
        float[] second = new float[out * rank];
        for (int i = 0; i < first.length; i++) {
            first[i] = (float) lowRank.w()[i];
        }
        for (int i = 0; i < second.length; i++) {
            second[i] = (float) lowRank.u()[i];
        }
        return new SvdSplit(out, in, rank, first, second);
    }

    /** Weights of the two layers, {@code r (in + out)} (the bias not counted). */
    public long parameters() {
        return (long) rank * (in + out);
    }

    /** {@code second x first}, the {@code out x in} matrix the two layers apply; for checks. */
    public float[] toMatrix() {
        float[] m = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int r = 0; r < rank; r++) {
                float s = second[o * rank + r];
                for (int i = 0; i < in; i++) {
                    m[o * in + i] += s * first[r * in + i];
                }
            }
        }
        return m;
    }
}
