package dev.mmps.tensor.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.Tolerance;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.bytedeco.openblas.global.openblas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SymmetricEigenTest {

    static Stream<Arguments> matrices() {
        Random random = new Random(7);
        Stream.Builder<Arguments> cases = Stream.builder();
        for (int n : new int[] {1, 2, 3, 4, 5, 8, 13, 32, 48, 100}) {
            cases.add(Arguments.of("random " + n, n, randomSymmetric(n, random)));
            cases.add(Arguments.of("gram " + n, n, gram(n, n + 7, random)));
        }
        cases.add(Arguments.of("zero", 6, new double[36]));
        cases.add(Arguments.of("identity", 7, diagonal(1, 1, 1, 1, 1, 1, 1)));
        cases.add(Arguments.of("diagonal", 5, diagonal(3, -1, 7, 0, 2)));
        cases.add(Arguments.of("repeated", 6, diagonal(2, 2, 2, 5, 5, 1)));
        cases.add(Arguments.of("rank one", 9, rankOne(9, random)));
        cases.add(Arguments.of("low rank gram", 30, gram(30, 4, random)));
        cases.add(Arguments.of("graded", 12, graded(12)));
        cases.add(Arguments.of("subnormal", 6, tridiagonal(6, 1e-300, 1e-310)));
        cases.add(Arguments.of("tiny", 25, scaled(gram(25, 3, random), 1e-170)));
        cases.add(Arguments.of("rank two, many zeros", 25, gram(25, 2, random)));
        return cases.build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrices")
    void eigenpairsSatisfyTheDefinition(String name, int n, double[] a) {
        checkEigenpairs(new SymmetricEigen(), name, n, a, n);
    }

    /** LAPACK's two ways, inverse iteration for a few vectors and divide and conquer for many, serve any count. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("matrices")
    void nativeEigenpairsSatisfyTheDefinitionEitherWay(String name, int n, double[] a) {
        try (LapackSymmetricEigen eigen = new LapackSymmetricEigen()) {
            checkEigenpairs(eigen, name + ", a few vectors", n, a, 0);
            checkEigenpairs(eigen, name + ", every vector", n, a, n);
        }
    }

    private static void checkEigenpairs(SymmetricEigensolver eigen, String name, int n, double[] a, int vectorsAtMost) {
        double[] values = new double[n];
        assertTrue(eigen.eigenvalues(a, n, values, vectorsAtMost), "converged");
        double norm = Math.max(1e-300, frobenius(a));
        for (int i = 1; i < n; i++) {
            assertTrue(values[i - 1] >= values[i], "descending at " + i);
        }
        double[] reference = lapackEigenvalues(a, n);
        for (int i = 0; i < n; i++) {
            assertEquals(reference[n - 1 - i], values[i], Tolerance.F64 * norm + Double.MIN_NORMAL, "eigenvalue " + i);
        }
        for (int k : IntStream.of(1, Math.max(1, n / 2), n).distinct().toArray()) {
            double[] v = new double[n * k];
            eigen.leadingVectors(k, v);
            for (int j = 0; j < k; j++) {
                for (int l = 0; l < k; l++) {
                    double dot = 0;
                    for (int i = 0; i < n; i++) {
                        dot += v[i * k + j] * v[i * k + l];
                    }
                    assertEquals(j == l ? 1.0 : 0.0, dot, 1e-9, "orthonormality " + j + "," + l);
                }
                double residual = 0;
                for (int i = 0; i < n; i++) {
                    double av = 0;
                    for (int l = 0; l < n; l++) {
                        av += a[i * n + l] * v[l * k + j];
                    }
                    double r = av - values[j] * v[i * k + j];
                    residual += r * r;
                }
                assertTrue(Math.sqrt(residual) <= Tolerance.F64 * norm + Double.MIN_NORMAL,
                        "||A v - lambda v|| = " + Math.sqrt(residual) + " for vector " + j + " of " + name);
            }
        }
    }

    @Test
    void sameInputGivesBitIdenticalOutput() {
        double[] a = gram(40, 60, new Random(3));
        double[] first = new double[40 * 6];
        double[] second = new double[40 * 6];
        double[] values = new double[40];
        SymmetricEigen one = new SymmetricEigen();
        one.eigenvalues(a, 40, values);
        one.leadingVectors(6, first);
        SymmetricEigen two = new SymmetricEigen();
        two.eigenvalues(gram(5, 5, new Random(1)), 5, new double[5]);
        two.eigenvalues(a, 40, values);
        two.leadingVectors(6, second);
        assertTrue(java.util.Arrays.equals(first, second));
    }

    @Test
    void rejectsBadArguments() {
        SymmetricEigen eigen = new SymmetricEigen();
        assertThrows(IllegalArgumentException.class, () -> eigen.eigenvalues(new double[0], 0, new double[0]));
        eigen.eigenvalues(new double[] {1, 0, 0, 1}, 2, new double[2]);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> eigen.leadingVectors(3, new double[6]));
        assertTrue(e.getMessage().contains("between 1 and 2"), e.getMessage());
    }

    private static double[] lapackEigenvalues(double[] a, int n) {
        double[] copy = a.clone();
        double[] w = new double[n];
        int info = openblas.LAPACKE_dsyev(openblas.LAPACK_ROW_MAJOR, (byte) 'N', (byte) 'U', n, copy, n, w);
        assertEquals(0, info, "dsyev info");
        return w;
    }

    static double[] randomSymmetric(int n, Random random) {
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double x = 2 * random.nextDouble() - 1;
                a[i * n + j] = x;
                a[j * n + i] = x;
            }
        }
        return a;
    }

    static double[] gram(int n, int inner, Random random) {
        double[] m = new double[n * inner];
        for (int i = 0; i < m.length; i++) {
            m[i] = random.nextGaussian();
        }
        double[] g = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int l = 0; l < inner; l++) {
                    s += m[i * inner + l] * m[j * inner + l];
                }
                g[i * n + j] = s;
            }
        }
        return g;
    }

    private static double[] diagonal(double... d) {
        int n = d.length;
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            a[i * n + i] = d[i];
        }
        return a;
    }

    private static double[] tridiagonal(int n, double diagonal, double offDiagonal) {
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            a[i * n + i] = diagonal;
            if (i + 1 < n) {
                a[i * n + i + 1] = offDiagonal;
                a[(i + 1) * n + i] = offDiagonal;
            }
        }
        return a;
    }

    private static double[] scaled(double[] a, double factor) {
        double[] s = a.clone();
        for (int i = 0; i < s.length; i++) {
            s[i] *= factor;
        }
        return s;
    }

    private static double[] rankOne(int n, Random random) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextGaussian();
        }
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i * n + j] = v[i] * v[j];
            }
        }
        return a;
    }

    /** Eigenvalues spread over twelve orders of magnitude, rotated by a Householder reflection. */
    private static double[] graded(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = Math.cos(i + 1.0);
        }
        double vv = 0;
        for (double x : v) {
            vv += x * x;
        }
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int l = 0; l < n; l++) {
                    double hil = (i == l ? 1 : 0) - 2 * v[i] * v[l] / vv;
                    double hjl = (j == l ? 1 : 0) - 2 * v[j] * v[l] / vv;
                    sum += hil * Math.pow(10, -l) * hjl;
                }
                a[i * n + j] = sum;
            }
        }
        return a;
    }

    /** An upper bound of the 2-norm that does not underflow for tiny matrices: n max|a_ij|. */
    private static double frobenius(double[] a) {
        double max = 0;
        for (double x : a) {
            max = Math.max(max, Math.abs(x));
        }
        return max * Math.sqrt(a.length);
    }
}
