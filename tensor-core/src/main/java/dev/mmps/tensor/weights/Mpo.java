package dev.mmps.tensor.weights;

import dev.mmps.tensor.tt.BondPolicy;
import dev.mmps.tensor.tt.Decomposition;
import dev.mmps.tensor.tt.Mps;
import dev.mmps.tensor.tt.TtSvd;
import java.util.Arrays;

/**
 * A matrix product operator: a dense {@code out x in} matrix with {@code out = m_1 ... m_d} and
 * {@code in = n_1 ... n_d} written as cores {@code C_k[D_{k-1}, m_k, n_k, D_k]}, {@code D_0 = D_d = 1}:
 * {@code W[(i_1..i_d), (j_1..j_d)] = C_1[:, i_1, j_1, :] ... C_d[:, i_d, j_d, :]}, row and column indices
 * row-major over their modes. Cores are row-major float32.
 *
 * @param outModes {@code m_1 .. m_d}
 * @param inModes {@code n_1 .. n_d}
 * @param bonds {@code D_0 .. D_d}, both ends 1
 */
public record Mpo(int[] outModes, int[] inModes, int[] bonds, float[][] cores) {

    public Mpo {
        int d = outModes.length;
        if (inModes.length != d || bonds.length != d + 1 || cores.length != d) {
            throw new IllegalArgumentException("an MPO of " + d + " cores needs " + d + " input modes, " + (d + 1)
                    + " bonds and " + d + " cores; got " + inModes.length + ", " + bonds.length + " and " + cores.length);
        }
        if (bonds[0] != 1 || bonds[d] != 1) {
            throw new IllegalArgumentException("the outer bonds of an MPO must be 1, got " + Arrays.toString(bonds));
        }
        for (int k = 0; k < d; k++) {
            long expected = (long) bonds[k] * outModes[k] * inModes[k] * bonds[k + 1];
            if (cores[k].length != expected) {
                throw new IllegalArgumentException("MPO core " + (k + 1) + " holds " + cores[k].length + " values, its "
                        + "shape " + bonds[k] + "x" + outModes[k] + "x" + inModes[k] + "x" + bonds[k + 1] + " needs "
                        + expected);
            }
        }
    }

    /**
     * The bonds of an MPO whose every inner bond is {@code bond}, capped where the modes on one side
     * cannot carry more ({@code D_k <= min(prod_{i<=k} m_i n_i, prod_{i>k} m_i n_i)}).
     */
    public static int[] bonds(int[] outModes, int[] inModes, int bond) {
        if (bond < 1) {
            throw new IllegalArgumentException("bond dimension " + bond + " is invalid: it must be at least 1, for "
                    + "example 4");
        }
        int d = outModes.length;
        int[] bonds = new int[d + 1];
        bonds[0] = 1;
        bonds[d] = 1;
        for (int k = 1; k < d; k++) {
            long left = 1;
            long right = 1;
            for (int i = 0; i < k; i++) {
                left *= (long) outModes[i] * inModes[i];
            }
            for (int i = k; i < d; i++) {
                right *= (long) outModes[i] * inModes[i];
            }
            bonds[k] = (int) Math.min(bond, Math.min(left, right));
        }
        return bonds;
    }

    /** Stored values of cores with these modes and bonds: {@code sum_k D_{k-1} m_k n_k D_k}. */
    public static long parameters(int[] outModes, int[] inModes, int[] bonds) {
        long p = 0;
        for (int k = 0; k < outModes.length; k++) {
            p += (long) bonds[k] * outModes[k] * inModes[k] * bonds[k + 1];
        }
        return p;
    }

    /** Stored values of this operator's cores. */
    public long parameters() {
        return parameters(outModes, inModes, bonds);
    }

    /**
     * The MPO of a dense matrix by TT-SVD of its mode-interleaved form, the tensor with dimensions
     * {@code m_1 n_1, ..., m_d n_d}; exact when no bond is capped below the matrix's own TT ranks.
     *
     * @param matrix row-major {@code out x in}
     * @param maxBond the cap on every inner bond, or 0 for none
     */
    public static Mpo fromMatrix(float[] matrix, int[] outModes, int[] inModes, int maxBond, TtSvd ttSvd) {
        int d = outModes.length;
        int out = (int) Modes.product(outModes);
        int in = (int) Modes.product(inModes);
        if (inModes.length != d) {
            throw new IllegalArgumentException("input modes " + Arrays.toString(inModes) + " and output modes "
                    + Arrays.toString(outModes) + " differ in number; give both sides the same number of modes");
        }
        if (matrix.length != (long) out * in) {
            throw new IllegalArgumentException("a matrix of " + matrix.length + " values is not " + out + " x " + in
                    + " as the modes say");
        }
        int[] dims = new int[d];
        for (int k = 0; k < d; k++) {
            dims[k] = outModes[k] * inModes[k];
        }
        double[] interleaved = new double[matrix.length];
        forEachEntry(outModes, inModes, (row, col, pos) -> interleaved[pos] = matrix[row * in + col]);
        BondPolicy policy = maxBond > 0 ? BondPolicy.uniform(maxBond, d) : BondPolicy.EXACT;
        Decomposition decomposition = ttSvd.decompose(interleaved, dims, policy);
        Mps mps = decomposition.mps();
        float[][] cores = new float[d][];
        for (int k = 0; k < d; k++) {
            cores[k] = mps.core(k);
        }
        return new Mpo(outModes.clone(), inModes.clone(), mps.ranks(), cores);
    }

    /** The dense {@code out x in} matrix, row-major; for checks, never for the forward pass. */
    public float[] toMatrix() {
        int[] dims = new int[outModes.length];
        for (int k = 0; k < dims.length; k++) {
            dims[k] = outModes[k] * inModes[k];
        }
        double[] interleaved = new Mps(dims, bonds, cores).toTensor();
        int in = (int) Modes.product(inModes);
        float[] matrix = new float[interleaved.length];
        forEachEntry(outModes, inModes, (row, col, pos) -> matrix[row * in + col] = (float) interleaved[pos]);
        return matrix;
    }

    private interface Entry {
        void at(int row, int col, int interleavedPosition);
    }

    /** Visits every (row, column) with its position in the interleaved tensor {@code (i_1 j_1, ..., i_d j_d)}. */
    private static void forEachEntry(int[] outModes, int[] inModes, Entry entry) {
        int d = outModes.length;
        int out = (int) Modes.product(outModes);
        int in = (int) Modes.product(inModes);
        int[] i = new int[d];
        int[] j = new int[d];
        for (int row = 0; row < out; row++) {
            digits(row, outModes, i);
            for (int col = 0; col < in; col++) {
                digits(col, inModes, j);
                int pos = 0;
                for (int k = 0; k < d; k++) {
                    pos = pos * outModes[k] * inModes[k] + i[k] * inModes[k] + j[k];
                }
                entry.at(row, col, pos);
            }
        }
    }

    private static void digits(int index, int[] modes, int[] into) {
        for (int k = modes.length - 1; k >= 0; k--) {
            into[k] = index % modes[k];
            index /= modes[k];
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Mpo other && Arrays.equals(outModes, other.outModes) && Arrays.equals(inModes, other.inModes)
                && Arrays.equals(bonds, other.bonds) && Arrays.deepEquals(cores, other.cores);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(outModes) * 31 + Arrays.deepHashCode(cores);
    }

    @Override
    public String toString() {
        return "Mpo[out " + Arrays.toString(outModes) + ", in " + Arrays.toString(inModes) + ", bonds "
                + Arrays.toString(bonds) + "]";
    }
}
