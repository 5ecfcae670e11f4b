package dev.mmps.tensor.tt;

import dev.mmps.tensor.linalg.JavaGemm;
import dev.mmps.tensor.linalg.MatrixProduct;

/**
 * Contracts the cores of an MPS into its full tensor, left to right, in double precision: the
 * partial product over cores {@code 1..k} is a {@code (j_1 .. j_k) x r_k} matrix, and each step
 * multiplies it by the next core seen as an {@code r_k x (j_{k+1} r_{k+1})} matrix. Scratch is
 * reused between calls. Not thread-safe.
 */
public final class MpsContractor {

    private final MatrixProduct gemm;
    private double[] partial = new double[0];
    private double[] next = new double[0];
    private double[] core = new double[0];

    /** Contracts with plain Java products. */
    public MpsContractor() {
        this(new JavaGemm());
    }

    /** Contracts with the given products (a route's, from {@code LowRankFactorizer.products()}). */
    public MpsContractor(MatrixProduct products) {
        this.gemm = products;
    }

    /** Adds the tensor of {@code mps} (row-major over its dimensions) to {@code target}. */
    public void addTo(Mps mps, double[] target) {
        int size = mps.size();
        if (partial.length < size) {
            partial = new double[size];
            next = new double[size];
            core = new double[size];
        }
        float[][] cores = mps.coresView();
        int[] dims = mps.dimsView();
        int[] ranks = mps.ranksView();
        toDouble(cores[0], partial);
        int prefix = dims[0];
        for (int k = 1; k < dims.length; k++) {
            toDouble(cores[k], core);
            int tail = dims[k] * ranks[k + 1];
            gemm.multiply(partial, false, core, false, prefix, tail, ranks[k], next);
            double[] swap = partial;
            partial = next;
            next = swap;
            prefix *= dims[k];
        }
        for (int i = 0; i < size; i++) {
            target[i] += partial[i];
        }
    }

    private static void toDouble(float[] from, double[] to) {
        for (int i = 0; i < from.length; i++) {
            to[i] = from[i];
        }
    }
}
