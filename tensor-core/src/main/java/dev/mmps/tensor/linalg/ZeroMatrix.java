package dev.mmps.tensor.linalg;

import java.util.Arrays;

/** The factorisation of an all-zero matrix, shared by every route: unit vectors and a zero W. */
final class ZeroMatrix {

    private ZeroMatrix() {}

    /**
     * @param basisRows length of the orthonormal factor's columns: {@code rows} from the left,
     *     {@code cols} from the right
     */
    static void factor(int rows, int cols, int basisRows, RankSelector selector, LowRank out) {
        int count = Math.min(rows, cols);
        Arrays.fill(out.sigmaSquared, 0, count, 0.0);
        int rank = selector.select(out.sigmaSquared, count, 0.0);
        out.keep(rank, count, 0.0);
        Arrays.fill(out.u, 0, basisRows * rank, 0.0);
        for (int c = 0; c < rank; c++) {
            out.u[c * rank + c] = 1.0;
        }
        Arrays.fill(out.w, 0, rank * (rows + cols - basisRows), 0.0);
    }
}
