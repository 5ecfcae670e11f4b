package dev.mmps.tensor.weights;

import dev.mmps.tensor.linalg.LowRank;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.RankSelector;

/**
 * A convolution kernel {@code K[C_out, C_in, kh, kw]} as a Tucker-2 product over its two channel modes
 * (truncated HOSVD): {@code K ~ G x_1 U_out x_2 U_in}, with {@code U_out} ({@code C_out x R_out}) and
 * {@code U_in} ({@code C_in x R_in}) the leading left singular vectors of the mode-1 and mode-2
 * unfoldings and the core {@code G = K x_1 U_out^T x_2 U_in^T} ({@code R_out x R_in x kh x kw}). As
 * layers: a 1x1 convolution {@code C_in -> R_in} with weights {@code U_in^T}, the {@code kh x kw}
 * convolution {@code G} ({@code R_in -> R_out}, the original stride and padding), and a 1x1 convolution
 * {@code R_out -> C_out} with weights {@code U_out} that carries the bias. All arrays row-major.
 */
public record Tucker2(int outChannels, int inChannels, int kernelHeight, int kernelWidth, int outRank, int inRank,
        double[] outFactor, double[] inFactor, double[] core) {

    /**
     * Decomposes a kernel, each mode's rank chosen by its selector (for example
     * {@link RankSelector#energy}).
     *
     * @param kernel row-major {@code C_out x C_in x kh x kw}
     */
    public static Tucker2 decompose(float[] kernel, int outChannels, int inChannels, int kernelHeight,
            int kernelWidth, RankSelector outRanks, RankSelector inRanks, LowRankFactorizer factorizer) {
        int spatial = kernelHeight * kernelWidth;
        if (kernel.length != (long) outChannels * inChannels * spatial) {
            throw new IllegalArgumentException("a kernel of " + kernel.length + " values is not " + outChannels + "x"
                    + inChannels + "x" + kernelHeight + "x" + kernelWidth);
        }
        double[] mode1 = new double[kernel.length];
        double[] mode2 = new double[kernel.length];
        for (int o = 0; o < outChannels; o++) {
            for (int i = 0; i < inChannels; i++) {
                for (int s = 0; s < spatial; s++) {
                    double v = kernel[(o * inChannels + i) * spatial + s];
                    mode1[(o * inChannels + i) * spatial + s] = v;
                    mode2[(i * outChannels + o) * spatial + s] = v;
                }
            }
        }
        LowRank lowRank = new LowRank();
        factorizer.factor(mode1, outChannels, inChannels * spatial, outRanks, lowRank);
        int outRank = lowRank.rank();
        double[] uOut = java.util.Arrays.copyOf(lowRank.u(), outChannels * outRank);
        factorizer.factor(mode2, inChannels, outChannels * spatial, inRanks, lowRank);
        int inRank = lowRank.rank();
        double[] uIn = java.util.Arrays.copyOf(lowRank.u(), inChannels * inRank);
        // G[a, b, s] = sum_{o, i} U_out[o, a] U_in[i, b] K[o, i, s], one mode at a time.
        double[] half = new double[outRank * inChannels * spatial];
        for (int o = 0; o < outChannels; o++) {
            for (int a = 0; a < outRank; a++) {
                double u = uOut[o * outRank + a];
                for (int is = 0; is < inChannels * spatial; is++) {
                    half[a * inChannels * spatial + is] += u * mode1[o * inChannels * spatial + is];
                }
            }
        }
        double[] core = new double[outRank * inRank * spatial];
        for (int a = 0; a < outRank; a++) {
            for (int i = 0; i < inChannels; i++) {
                for (int b = 0; b < inRank; b++) {
                    double u = uIn[i * inRank + b];
                    for (int s = 0; s < spatial; s++) {
                        core[(a * inRank + b) * spatial + s] += u * half[(a * inChannels + i) * spatial + s];
                    }
                }
            }
        }
        return new Tucker2(outChannels, inChannels, kernelHeight, kernelWidth, outRank, inRank, uOut, uIn, core);
    }

    /** Weights of the first 1x1 convolution, {@code R_in x C_in} ({@code U_in^T}). */
    public float[] inWeights() {
        float[] w = new float[inRank * inChannels];
        for (int i = 0; i < inChannels; i++) {
            for (int b = 0; b < inRank; b++) {
                w[b * inChannels + i] = (float) inFactor[i * inRank + b];
            }
        }
        return w;
    }

    /** Weights of the last 1x1 convolution, {@code C_out x R_out} ({@code U_out}). */
    public float[] outWeights() {
        return toFloat(outFactor);
    }

    /** Whether the input mode keeps every channel, so that its factor is a rotation with no 1x1 layer of its own. */
    public boolean fullInRank() {
        return inRank == inChannels;
    }

    /** Whether the output mode keeps every channel. */
    public boolean fullOutRank() {
        return outRank == outChannels;
    }

    /**
     * The core convolution's weights with each full-rank mode's factor folded in: {@code G x_2 U_in} when
     * {@link #fullInRank} ({@code C_in} input channels instead of {@code R_in}) and {@code x_1 U_out} when
     * {@link #fullOutRank} ({@code C_out} filters instead of {@code R_out}). A full-rank factor is an
     * orthogonal rotation that a 1x1 layer would apply for nothing.
     */
    public float[] foldedCore() {
        int spatial = kernelHeight * kernelWidth;
        int rows = fullOutRank() ? outChannels : outRank;
        int cols = fullInRank() ? inChannels : inRank;
        double[] folded = new double[rows * cols * spatial];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                for (int s = 0; s < spatial; s++) {
                    double v = 0;
                    for (int a = fullOutRank() ? 0 : r; a < (fullOutRank() ? outRank : r + 1); a++) {
                        double uo = fullOutRank() ? outFactor[r * outRank + a] : 1;
                        for (int b = fullInRank() ? 0 : c; b < (fullInRank() ? inRank : c + 1); b++) {
                            double ui = fullInRank() ? inFactor[c * inRank + b] : 1;
                            v += uo * ui * core[(a * inRank + b) * spatial + s];
                        }
                    }
                    folded[(r * cols + c) * spatial + s] = v;
                }
            }
        }
        return toFloat(folded);
    }

    /** The kernel the three layers apply together, {@code C_out x C_in x kh x kw}; for checks. */
    public float[] toKernel() {
        int spatial = kernelHeight * kernelWidth;
        float[] kernel = new float[outChannels * inChannels * spatial];
        for (int o = 0; o < outChannels; o++) {
            for (int i = 0; i < inChannels; i++) {
                for (int s = 0; s < spatial; s++) {
                    double v = 0;
                    for (int a = 0; a < outRank; a++) {
                        for (int b = 0; b < inRank; b++) {
                            v += outFactor[o * outRank + a] * inFactor[i * inRank + b] * core[(a * inRank + b) * spatial + s];
                        }
                    }
                    kernel[(o * inChannels + i) * spatial + s] = (float) v;
                }
            }
        }
        return kernel;
    }

    /**
     * Weights of the layers: {@code C_in R_in + R_in R_out kh kw + R_out C_out} (the bias not counted), without
     * the 1x1 layer of a full-rank mode.
     */
    public long parameters() {
        return (fullInRank() ? 0 : (long) inChannels * inRank) + (long) inRank * outRank * kernelHeight * kernelWidth
                + (fullOutRank() ? 0 : (long) outRank * outChannels);
    }

    private static float[] toFloat(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return f;
    }
}
