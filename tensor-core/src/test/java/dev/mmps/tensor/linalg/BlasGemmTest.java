package dev.mmps.tensor.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mmps.tensor.Tolerance;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * OpenBLAS products against the plain Java ones: general products, and the Gram matrices {@code A^T A} and
 * {@code A A^T} that go through {@code dsyrk} (one triangle computed, the other mirrored), with the operand
 * pinned or not.
 */
class BlasGemmTest {

    @BeforeAll
    static void nativeCode() {
        assumeTrue(NativeBlas.available() || System.getenv("CI") != null, "OpenBLAS does not load here");
    }

    private static double[] random(int length, long seed) {
        Random random = new Random(seed);
        double[] values = new double[length];
        for (int i = 0; i < length; i++) {
            values[i] = random.nextGaussian();
        }
        return values;
    }

    private static void assertSame(double[] expected, double[] actual, int length, String what) {
        for (int i = 0; i < length; i++) {
            assertEquals(expected[i], actual[i], Tolerance.F64 * (1 + Math.abs(expected[i])), what + " at " + i);
        }
    }

    @ParameterizedTest(name = "{0}x{1}, pinned {2}")
    @CsvSource({"1, 1, false", "7, 3, false", "3, 7, true", "64, 24, false", "50, 50, true", "784, 112, true"})
    void gramMatricesEqualTheJavaProducts(int rows, int cols, boolean pinned) {
        double[] a = random(rows * cols, rows * 31L + cols);
        try (BlasGemm blas = new BlasGemm()) {
            JavaGemm java = new JavaGemm();
            if (pinned) {
                blas.pin(a, rows * cols);
            }
            double[] expected = new double[cols * cols];
            double[] actual = new double[cols * cols];
            java.multiply(a, true, a, false, cols, cols, rows, expected);
            blas.multiply(a, true, a, false, cols, cols, rows, actual);
            assertSame(expected, actual, cols * cols, "A^T A");
            expected = new double[rows * rows];
            actual = new double[rows * rows];
            java.multiply(a, false, a, true, rows, rows, cols, expected);
            blas.multiply(a, false, a, true, rows, rows, cols, actual);
            assertSame(expected, actual, rows * rows, "A A^T");
            blas.unpin();
        }
    }

    @ParameterizedTest(name = "{0}x{2} times {2}x{1}")
    @CsvSource({"1, 1, 1", "5, 4, 3", "16, 49, 51", "3, 3, 3"})
    void generalProductsEqualTheJavaProducts(int m, int n, int k) {
        double[] a = random(m * k, 1);
        double[] b = random(k * n, 2);
        double[] expected = new double[m * n];
        double[] actual = new double[m * n];
        try (BlasGemm blas = new BlasGemm()) {
            new JavaGemm().multiply(a, false, b, false, m, n, k, expected);
            blas.multiply(a, false, b, false, m, n, k, actual);
            assertSame(expected, actual, m * n, "A B");
            // The same array on both sides without a transpose is an ordinary product (square A times A).
            if (m == k && k == n) {
                new JavaGemm().multiply(a, false, a, false, m, n, k, expected);
                blas.multiply(a, false, a, false, m, n, k, actual);
                assertSame(expected, actual, m * n, "A A");
            }
        }
    }

    /** The Gram matrices of smaller sides of 1 to 3, formed in Java, against the plain products. */
    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"5, 1", "1, 5", "9, 2", "2, 9", "3, 3", "1000, 3", "3, 1000"})
    void thinGramMatricesEqualTheJavaProducts(int rows, int cols) {
        double[] a = random(rows * cols, rows * 17L + cols);
        int order = Math.min(rows, cols);
        double[] expected = new double[order * order];
        double[] actual = new double[order * order];
        if (rows <= cols) {
            new JavaGemm().multiply(a, false, a, true, rows, rows, cols, expected);
        } else {
            new JavaGemm().multiply(a, true, a, false, cols, cols, rows, expected);
        }
        DenseKernels.thinGram(a, rows, cols, actual);
        assertSame(expected, actual, order * order, "Gram of the smaller side");
    }
}
