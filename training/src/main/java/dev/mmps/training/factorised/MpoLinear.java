package dev.mmps.training.factorised;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import dev.mmps.settings.ValidationException;
import dev.mmps.tensor.weights.Modes;
import dev.mmps.tensor.weights.Mpo;
import java.util.Arrays;

/**
 * A fully connected layer whose {@code out x in} matrix is a matrix product operator
 * ({@link Mpo}): cores {@code D_{k-1} x m_k x n_k x D_k} and a bias of {@code out}. The forward pass
 * contracts the input with one core at a time, never forming the dense matrix: with the input reshaped
 * to {@code (B, n_1, ..., n_d)}, step {@code k} turns an index {@code n_k} and the bond {@code D_{k-1}}
 * into {@code m_k} and {@code D_k} by one batched matrix product of {@code (D_{k-1} n_k) x (m_k D_k)}.
 * Inputs of more than two axes are flattened after the batch axis.
 *
 * <p>Cores are drawn from a normal distribution whose scale gives the dense matrix they form He's
 * variance {@code 2 / in}, as a ReLU layer's weights; {@link #load} sets them from a decomposition.
 */
public final class MpoLinear extends AbstractBlock {

    private final int[] outModes;
    private final int[] inModes;
    private final int[] bonds;
    private final int in;
    private final int out;
    private final Parameter[] cores;
    private final Parameter bias;

    /**
     * @param bonds {@code D_0 .. D_d}, both ends 1 (see {@link Mpo#bonds})
     */
    public MpoLinear(int[] outModes, int[] inModes, int[] bonds) {
        if (outModes.length != inModes.length || bonds.length != outModes.length + 1 || bonds[0] != 1
                || bonds[bonds.length - 1] != 1) {
            throw new IllegalArgumentException("an MPO layer needs as many input as output modes and their number "
                    + "plus one bonds with both ends 1; got out " + Arrays.toString(outModes) + ", in "
                    + Arrays.toString(inModes) + ", bonds " + Arrays.toString(bonds));
        }
        for (int b : bonds) {
            if (b < 1) {
                throw new ValidationException("bond dimension " + b + " is invalid: every bond must be at least 1");
            }
        }
        this.outModes = outModes.clone();
        this.inModes = inModes.clone();
        this.bonds = bonds.clone();
        this.in = (int) Modes.product(inModes);
        this.out = (int) Modes.product(outModes);
        int d = outModes.length;
        long paths = 1;
        for (int k = 1; k < d; k++) {
            paths *= bonds[k];
        }
        // var(W) = paths * prod_k sigma_k^2 = 2 / in, the same sigma for every core.
        float sigma = (float) Math.pow(2.0 / in / paths, 0.5 / d);
        cores = new Parameter[d];
        for (int k = 0; k < d; k++) {
            cores[k] = addParameter(Parameter.builder().setName("core" + (k + 1)).setType(Parameter.Type.OTHER)
                    .optShape(new Shape(bonds[k], outModes[k], inModes[k], bonds[k + 1]))
                    .optInitializer(new NormalInitializer(sigma)).build());
        }
        bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
                .optShape(new Shape(out)).optInitializer(Initializer.ZEROS).build());
    }

    /** A random MPO layer with every inner bond {@code bond}, capped where the modes cannot carry it. */
    public static MpoLinear random(int[] outModes, int[] inModes, int bond) {
        return new MpoLinear(outModes, inModes, Mpo.bonds(outModes, inModes, bond));
    }

    public int[] outModes() {
        return outModes.clone();
    }

    public int[] inModes() {
        return inModes.clone();
    }

    public int[] bonds() {
        return bonds.clone();
    }

    /** Stored values: the cores and the bias. */
    public long parameters() {
        return Mpo.parameters(outModes, inModes, bonds) + out;
    }

    /**
     * Multiply-accumulates per input row of the contraction sequence: step {@code k} costs
     * {@code m_1..m_{k-1} * n_{k+1}..n_d * D_{k-1} n_k * m_k D_k}.
     */
    public long multiplyAccumulates() {
        long macs = 0;
        for (int k = 0; k < outModes.length; k++) {
            long before = 1;
            long after = 1;
            for (int i = 0; i < k; i++) {
                before *= outModes[i];
            }
            for (int i = k + 1; i < inModes.length; i++) {
                after *= inModes[i];
            }
            macs += before * after * bonds[k] * inModes[k] * outModes[k] * bonds[k + 1];
        }
        return macs;
    }

    /** Sets the cores from a decomposition of this shape, and the bias; after initialisation. */
    public void load(Mpo mpo, float[] biasValues) {
        if (!Arrays.equals(mpo.outModes(), outModes) || !Arrays.equals(mpo.inModes(), inModes)
                || !Arrays.equals(mpo.bonds(), bonds)) {
            throw new IllegalArgumentException(mpo + " does not fit this layer (out " + Arrays.toString(outModes)
                    + ", in " + Arrays.toString(inModes) + ", bonds " + Arrays.toString(bonds) + ")");
        }
        for (int k = 0; k < cores.length; k++) {
            cores[k].getArray().set(mpo.cores()[k]);
        }
        bias.getArray().set(biasValues);
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        long size = inputShapes[0].size() / inputShapes[0].get(0);
        if (size != in) {
            throw new ValidationException("an MPO layer with input modes " + Arrays.toString(inModes) + " takes " + in
                    + " features per row but receives " + size + " (" + inputShapes[0] + "); give input modes whose "
                    + "product is " + size);
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        long batch = x.getShape().get(0);
        long rows = batch;
        long rest = in / inModes[0];
        NDArray state = x.reshape(rows, inModes[0], rest);
        for (int k = 0; k < cores.length; k++) {
            NDArray core = store.getValue(cores[k], x.getDevice(), training);
            NDArray matrix = core.transpose(0, 2, 1, 3).reshape((long) bonds[k] * inModes[k],
                    (long) outModes[k] * bonds[k + 1]);
            // (rows, D n_k, rest) -> (rows, rest, m_k D_k) -> (rows m_k, D_k, rest)
            NDArray step = state.transpose(0, 2, 1).matMul(matrix)
                    .reshape(rows, rest, outModes[k], bonds[k + 1]).transpose(0, 2, 3, 1);
            rows *= outModes[k];
            if (k + 1 < cores.length) {
                long next = rest / inModes[k + 1];
                state = step.reshape(rows, (long) bonds[k + 1] * inModes[k + 1], next);
                rest = next;
            } else {
                state = step;
            }
        }
        NDArray y = state.reshape(batch, out).add(store.getValue(bias, x.getDevice(), training));
        return new NDList(y);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), out)};
    }

    @Override
    public String toString() {
        return "MpoLinear(out " + Arrays.toString(outModes) + ", in " + Arrays.toString(inModes) + ", bonds "
                + Arrays.toString(bonds) + ")";
    }
}
