package dev.mmps.tensor.tt;

import dev.mmps.tensor.linalg.JavaGemm;
import dev.mmps.tensor.linalg.MatrixProduct;

/**
 * Contracts the cores of an MPS into its full tensor, in double precision, from both ends: the
 * cores left of a split bond {@code m} become a {@code (j_1 .. j_m) x r_m} matrix, those right of
 * it an {@code r_m x (j_{m+1} .. j_n)} matrix, and one product of the two writes the tensor. The
 * split minimises the multiply-adds; it keeps every pass over tensor-sized data to the single
 * final product, which matters for large images where the work is bound by memory traffic.
 * Scratch is reused between calls. Not thread-safe.
 */
public final class MpsContractor {

    private final MatrixProduct gemm;
    private double[] left = new double[0];
    private double[] leftNext = new double[0];
    private double[] right = new double[0];
    private double[] rightNext = new double[0];
    private double[] core = new double[0];
    private double[] tensor = new double[0];

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
        double[] values = contract(mps);
        int size = mps.size();
        for (int i = 0; i < size; i++) {
            target[i] += values[i];
        }
    }

    /**
     * The tensor of {@code mps}, row-major over its dimensions, in the first {@code mps.size()} values of this
     * contractor's scratch: valid until its next call, for callers that fold it into a pass of their own.
     */
    public double[] contract(Mps mps) {
        float[][] cores = mps.coresView();
        int[] dims = mps.dimsView();
        int[] ranks = mps.ranksView();
        int n = dims.length;
        int size = mps.size();
        ensure(size);
        int split = cheapestSplit(dims, ranks);
        // Left part: cores 0..split-1 as a prefix x r matrix.
        toDouble(cores[0], left);
        int prefix = dims[0];
        for (int k = 1; k < split; k++) {
            toDouble(cores[k], core);
            gemm.multiply(left, false, core, false, prefix, dims[k] * ranks[k + 1], ranks[k], leftNext);
            double[] swap = left;
            left = leftNext;
            leftNext = swap;
            prefix *= dims[k];
        }
        // Right part: cores split..n-1 as an r x suffix matrix.
        toDouble(cores[n - 1], right);
        int suffix = dims[n - 1];
        for (int k = n - 2; k >= split; k--) {
            toDouble(cores[k], core);
            gemm.multiply(core, false, right, false, ranks[k] * dims[k], suffix, ranks[k + 1], rightNext);
            double[] swap = right;
            right = rightNext;
            rightNext = swap;
            suffix *= dims[k];
        }
        gemm.multiply(left, false, right, false, prefix, suffix, ranks[split], tensor);
        return tensor;
    }

    /** The bond (1..n-1) at which to meet, by multiply-add count. */
    static int cheapestSplit(int[] dims, int[] ranks) {
        int best = 1;
        double bestCost = Double.MAX_VALUE;
        for (int m = 1; m < dims.length; m++) {
            double cost = splitCost(dims, ranks, m);
            if (cost < bestCost) {
                bestCost = cost;
                best = m;
            }
        }
        return best;
    }

    /** Multiply-adds to contract an MPS of these dimensions and bonds from both ends, meeting at bond {@code m}. */
    private static double splitCost(int[] dims, int[] ranks, int m) {
        int n = dims.length;
        double cost = 0;
        double prefix = dims[0];
        for (int k = 1; k < m; k++) {
            cost += prefix * ranks[k] * dims[k] * ranks[k + 1];
            prefix *= dims[k];
        }
        double suffix = dims[n - 1];
        for (int k = n - 2; k >= m; k--) {
            cost += (double) ranks[k] * dims[k] * ranks[k + 1] * suffix;
            suffix *= dims[k];
        }
        return cost + prefix * ranks[m] * suffix;
    }

    private void ensure(int size) {
        if (tensor.length < size) {
            left = new double[size];
            leftNext = new double[size];
            right = new double[size];
            rightNext = new double[size];
            core = new double[size];
            tensor = new double[size];
        }
    }

    private static void toDouble(float[] from, double[] to) {
        for (int i = 0; i < from.length; i++) {
            to[i] = from[i];
        }
    }
}
