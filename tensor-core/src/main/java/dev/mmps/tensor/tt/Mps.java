package dev.mmps.tensor.tt;

import java.util.Arrays;

/**
 * A matrix product state: cores {@code T_k[r_{k-1}, j_k, r_k]} with {@code r_0 = r_n = 1}, stored
 * row-major as float32 (paper Eq. 1). Immutable; arrays are copied in and out.
 */
public final class Mps {

    private final int[] dims;
    private final int[] ranks;
    private final float[][] cores;

    /**
     * @param dims physical dimensions {@code j_1 .. j_n}
     * @param ranks bond dimensions {@code r_0 .. r_n} ({@code n + 1} values, both ends 1)
     * @param cores {@code n} arrays, core {@code k} holding {@code r_k * j_k * r_{k+1}} values
     */
    public Mps(int[] dims, int[] ranks, float[][] cores) {
        check(dims, ranks, cores);
        this.dims = dims.clone();
        this.ranks = ranks.clone();
        this.cores = deepCopy(cores);
    }

    /** Wraps arrays the caller gives up, without copying; for the decomposition, which made them. */
    private Mps(float[][] cores, int[] dims, int[] ranks) {
        this.dims = dims;
        this.ranks = ranks;
        this.cores = cores;
    }

    static Mps adopt(int[] dims, int[] ranks, float[][] cores) {
        return new Mps(cores, dims, ranks);
    }

    private static void check(int[] dims, int[] ranks, float[][] cores) {
        if (dims == null || ranks == null || cores == null) {
            throw new IllegalArgumentException("an MPS needs dims, ranks and cores, got null");
        }
        int n = dims.length;
        if (n < 1 || ranks.length != n + 1 || cores.length != n) {
            throw new IllegalArgumentException("an MPS of " + n + " cores needs " + (n + 1) + " ranks and " + n
                    + " cores, got " + ranks.length + " ranks and " + cores.length + " cores");
        }
        if (ranks[0] != 1 || ranks[n] != 1) {
            throw new IllegalArgumentException("the outer bonds of an MPS must be 1, got " + ranks[0] + " and "
                    + ranks[n]);
        }
        for (int k = 0; k < n; k++) {
            if (dims[k] < 1 || ranks[k + 1] < 1) {
                throw new IllegalArgumentException("core " + (k + 1) + " has dimension " + dims[k] + " and bond "
                        + ranks[k + 1] + "; both must be at least 1");
            }
            long expected = (long) ranks[k] * dims[k] * ranks[k + 1];
            if (cores[k] == null || cores[k].length != expected) {
                throw new IllegalArgumentException("core " + (k + 1) + " holds "
                        + (cores[k] == null ? "nothing" : cores[k].length + " values") + " but its shape " + ranks[k]
                        + "x" + dims[k] + "x" + ranks[k + 1] + " needs " + expected);
            }
        }
    }

    private static float[][] deepCopy(float[][] cores) {
        float[][] copy = new float[cores.length][];
        for (int k = 0; k < cores.length; k++) {
            copy[k] = cores[k].clone();
        }
        return copy;
    }

    public int cores() {
        return dims.length;
    }

    public int[] dims() {
        return dims.clone();
    }

    /** Bond dimensions {@code r_0 .. r_n}, both ends 1; a copy. */
    public int[] ranks() {
        return ranks.clone();
    }

    /** Inner bond dimensions {@code r_1 .. r_{n-1}}. */
    public int[] bonds() {
        return Arrays.copyOfRange(ranks, 1, ranks.length - 1);
    }

    /** Core {@code k} (zero-based), row-major {@code [r_k][j_k][r_{k+1}]}; a copy. */
    public float[] core(int k) {
        return cores[k].clone();
    }

    /** Number of stored values, {@code sum_k r_{k-1} j_k r_k} (the numerator of paper Eq. 4). */
    public long parameters() {
        long p = 0;
        for (int k = 0; k < dims.length; k++) {
            p += (long) ranks[k] * dims[k] * ranks[k + 1];
        }
        return p;
    }

    /** Number of tensor entries, {@code prod_k j_k}. */
    public int size() {
        int s = 1;
        for (int d : dims) {
            s *= d;
        }
        return s;
    }

    float[][] coresView() {
        return cores;
    }

    int[] dimsView() {
        return dims;
    }

    int[] ranksView() {
        return ranks;
    }

    /** The full tensor as a new array; for repeated use prefer an {@link MpsContractor}. */
    public double[] toTensor() {
        double[] t = new double[size()];
        new MpsContractor().addTo(this, t);
        return t;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Mps other && Arrays.equals(dims, other.dims) && Arrays.equals(ranks, other.ranks)
                && Arrays.deepEquals(cores, other.cores);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ranks) + Arrays.deepHashCode(cores);
    }

    @Override
    public String toString() {
        return "Mps[dims=" + Arrays.toString(dims) + ", bonds=" + Arrays.toString(bonds()) + ", parameters="
                + parameters() + "]";
    }
}
