package dev.mmps.tensor.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.TestImages;
import dev.mmps.tensor.Tolerance;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One contract for every SVD route, over many shapes: the factors reproduce the matrix at full
 * rank, U is orthonormal, W is U^T A, the spectrum matches the reference (dgesdd), the discarded
 * energy is the tail of the spectrum, and the sign convention holds.
 */
class FactorizerContractTest {

    private static final int[][] SHAPES = {
        {1, 1}, {1, 9}, {9, 1}, {2, 2}, {3, 17}, {17, 3}, {8, 8}, {16, 192}, {192, 16}, {32, 96}, {96, 32},
        {40, 12}, {100, 130}, {130, 100}, {224, 300}
    };

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String route : LowRankFactorizers.NAMES) {
            for (int[] shape : SHAPES) {
                cases.add(Arguments.of(route, shape[0], shape[1]));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("cases")
    void fullRankReproducesTheMatrix(String route, int rows, int cols) {
        Random random = new Random(rows * 1000L + cols);
        double[] a = TestImages.matrix(rows, cols, random);
        LowRank out = new LowRank();
        LowRankFactorizers.create(route).factor(a, rows, cols, (s, count, total) -> count, out);
        int rank = out.rank();
        assertEquals(Math.min(rows, cols), rank);
        assertOrthonormalColumns(out.u(), rows, rank);
        double[] product = multiply(out.u(), rows, rank, out.w(), cols);
        assertEquals(0, relativeDifference(a, product, rows * cols), Tolerance.F64 * 100, "U W = A");
        assertSignConvention(out.u(), rows, rank);
        assertEquals(0.0, out.discardedEnergy(), Tolerance.F64 * out.totalEnergy());
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("cases")
    void truncationKeepsTheLeadingSubspace(String route, int rows, int cols) {
        Random random = new Random(rows * 7L + cols);
        int small = Math.min(rows, cols);
        double[] a = TestImages.matrix(rows, cols, random);
        int keep = Math.max(1, small / 3);
        LowRank out = new LowRank();
        LowRankFactorizers.create(route).factor(a, rows, cols, (s, count, total) -> keep, out);

        LowRank reference = new LowRank();
        LowRankFactorizers.create("lapack-svd").factor(a, rows, cols, (s, count, total) -> count, reference);
        double largest = reference.sigmaSquared()[0];
        for (int i = 0; i < small; i++) {
            assertEquals(reference.sigmaSquared()[i], out.sigmaSquared()[i], Tolerance.SPECTRUM * largest,
                    "sigma^2[" + i + "]");
        }
        double tail = 0;
        for (int i = keep; i < small; i++) {
            tail += reference.sigmaSquared()[i];
        }
        assertEquals(tail, out.discardedEnergy(), Tolerance.SPECTRUM * largest * small);
        assertOrthonormalColumns(out.u(), rows, keep);
        // W = U^T A, and the error of U W is exactly the discarded energy (Eckart-Young).
        double[] product = multiply(out.u(), rows, keep, out.w(), cols);
        double error = 0;
        for (int i = 0; i < rows * cols; i++) {
            error += (a[i] - product[i]) * (a[i] - product[i]);
        }
        assertEquals(tail, error, 1e-8 * out.totalEnergy());
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("cases")
    void zeroAndLowRankMatricesNeedNoDivision(String route, int rows, int cols) {
        LowRankFactorizer f = LowRankFactorizers.create(route);
        LowRank out = new LowRank();
        f.factor(new double[rows * cols], rows, cols, (s, count, total) -> 1, out);
        assertEquals(1, out.rank());
        assertEquals(0.0, out.totalEnergy());
        assertOrthonormalColumns(out.u(), rows, 1);
        for (int i = 0; i < cols; i++) {
            assertEquals(0.0, out.w()[i]);
        }
        if (Math.min(rows, cols) >= 2) {
            double[] a = TestImages.lowRank(rows, cols, 1, new Random(5));
            f.factor(a, rows, cols, (s, count, total) -> 2, out);
            assertOrthonormalColumns(out.u(), rows, 2);
            double[] product = multiply(out.u(), rows, 2, out.w(), cols);
            assertEquals(0, relativeDifference(a, product, rows * cols), 1e-9);
        }
    }

    static void assertOrthonormalColumns(double[] u, int rows, int rank) {
        for (int j = 0; j < rank; j++) {
            for (int l = 0; l <= j; l++) {
                double dot = 0;
                for (int i = 0; i < rows; i++) {
                    dot += u[i * rank + j] * u[i * rank + l];
                }
                assertEquals(j == l ? 1.0 : 0.0, dot, 1e-9, "U^T U at " + j + "," + l);
            }
        }
    }

    static void assertSignConvention(double[] u, int rows, int rank) {
        for (int j = 0; j < rank; j++) {
            double best = 0;
            for (int i = 0; i < rows; i++) {
                if (Math.abs(u[i * rank + j]) > Math.abs(best)) {
                    best = u[i * rank + j];
                }
            }
            assertTrue(best > 0, "largest entry of column " + j + " is positive");
        }
    }

    static double[] multiply(double[] u, int rows, int rank, double[] w, int cols) {
        double[] p = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < rank; k++) {
                for (int j = 0; j < cols; j++) {
                    p[i * cols + j] += u[i * rank + k] * w[k * cols + j];
                }
            }
        }
        return p;
    }

    static double relativeDifference(double[] a, double[] b, int n) {
        double d = 0;
        double s = 0;
        for (int i = 0; i < n; i++) {
            d += (a[i] - b[i]) * (a[i] - b[i]);
            s += a[i] * a[i];
        }
        return s == 0 ? Math.sqrt(d) : Math.sqrt(d / s);
    }
}
