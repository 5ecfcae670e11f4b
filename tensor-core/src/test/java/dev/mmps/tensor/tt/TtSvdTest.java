package dev.mmps.tensor.tt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.Tolerance;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TtSvdTest {

    static Stream<Arguments> cases() {
        int[][] dims = {{2, 3}, {4, 8, 4, 8, 3}, {16, 4, 4, 4, 3}, {3, 5, 7}, {2, 2, 2, 2, 2, 2, 2, 2}, {1, 6, 1, 5}};
        return LowRankFactorizers.NAMES.stream().flatMap(route -> Stream.of(dims).map(d -> Arguments.of(route, d)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void exactWithoutTruncation(String route, int[] dims) {
        double[] tensor = random(dims, new Random(3));
        Decomposition d = new TtSvd(LowRankFactorizers.create(route)).decompose(tensor, dims, BondPolicy.EXACT);
        assertEquals(0, relativeError(tensor, d.mps().toTensor()), Tolerance.F32);
        assertEquals(0, d.errorBound(), 1e-6 * d.inputNorm());
        int[] ranks = d.mps().ranks();
        for (int k = 1; k < dims.length; k++) {
            long left = 1;
            long right = 1;
            for (int m = 0; m < k; m++) {
                left *= dims[m];
            }
            for (int m = k; m < dims.length; m++) {
                right *= dims[m];
            }
            assertTrue(ranks[k] <= Math.min(left, right), "bond " + k + " within its natural maximum (Eq. 2)");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void capsAreRespectedAndTheErrorEqualsTheBound(String route, int[] dims) {
        double[] tensor = random(dims, new Random(4));
        BondPolicy policy = BondPolicy.uniform(2, dims.length);
        Decomposition d = new TtSvd(LowRankFactorizers.create(route)).decompose(tensor, dims, policy);
        for (int r : d.mps().bonds()) {
            assertTrue(r <= 2);
        }
        double error = relativeError(tensor, d.mps().toTensor()) * d.inputNorm();
        // Left-orthonormal cores make the step errors orthogonal: Eq. 3 holds with equality.
        assertTrue(error <= d.errorBound() * (1 + 1e-5) + Tolerance.F32 * d.inputNorm(), error + " <= " + d.errorBound());
        assertEquals(d.errorBound(), error, 1e-4 * d.errorBound() + Tolerance.F32 * d.inputNorm());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void errorTargetIsMet(String route, int[] dims) {
        double[] tensor = random(dims, new Random(5));
        for (double epsilon : new double[] {0.5, 0.2, 0.05}) {
            Decomposition d = new TtSvd(LowRankFactorizers.create(route))
                    .decompose(tensor, dims, BondPolicy.relativeError(epsilon));
            double error = relativeError(tensor, d.mps().toTensor());
            assertTrue(error <= epsilon + Tolerance.F32, "error " + error + " for epsilon " + epsilon);
        }
    }

    /**
     * The colour mode of a {@code 16 x 16 x 3} tensor is peeled first, from the right, at its full rank 3 (a
     * {@code 256 x 3} unfolding): the step is exact, so its core is the identity and the next step sees the
     * unfolding unchanged, with every route giving the same factors.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.mmps.tensor.tt.TtSvdTest#routes")
    void aStepKeepingItsWholeSmallerSideStoresTheIdentity(String route) {
        int[] dims = {4, 4, 4, 4, 3};
        double[] tensor = random(dims, new Random(7));
        BondPolicy policy = BondPolicy.perBond(4, 8, 6, 3);
        Decomposition d = new TtSvd(LowRankFactorizers.create(route)).decompose(tensor, dims, policy);
        Mps reference = new TtSvd(LowRankFactorizers.create("lapack-svd")).decompose(tensor, dims, policy).mps();
        float[] colour = d.mps().core(4);
        assertEquals(9, colour.length);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(i == j ? 1f : 0f, colour[i * 3 + j], "colour core entry " + i + "," + j);
            }
        }
        assertEquals(0, d.discarded()[3], "an exact step discards nothing");
        assertArrayEquals(reference.ranks(), d.mps().ranks());
        for (int k = 0; k < dims.length; k++) {
            float[] expected = reference.core(k);
            float[] actual = d.mps().core(k);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-4, "core " + k + " entry " + i + " against lapack-svd");
            }
        }
    }

    static Stream<String> routes() {
        return LowRankFactorizers.NAMES.stream();
    }

    @Test
    void parametersFollowEquationFour() {
        int[] dims = {4, 8, 4, 8, 3};
        Decomposition d = new TtSvd(LowRankFactorizers.create("java-gram"))
                .decompose(random(dims, new Random(6)), dims, BondPolicy.perBond(3, 5, 6, 2));
        assertArrayEquals(new int[] {3, 5, 6, 2}, d.mps().bonds());
        assertEquals(1 * 4 * 3 + 3 * 8 * 5 + 5 * 4 * 6 + 6 * 8 * 2 + 2 * 3 * 1, d.mps().parameters());
    }

    @Test
    void zeroTensorDecomposesWithoutDividingByZero() {
        int[] dims = {4, 8, 4, 8, 3};
        Decomposition d = new TtSvd(LowRankFactorizers.create("auto"))
                .decompose(new double[4 * 8 * 4 * 8 * 3], dims, BondPolicy.relativeError(0.1));
        for (double v : d.mps().toTensor()) {
            assertEquals(0.0, v);
        }
        assertArrayEquals(new int[] {1, 1, 1, 1}, d.mps().bonds());
    }

    @Test
    void badArgumentsAreRejected() {
        TtSvd tt = new TtSvd(LowRankFactorizers.create("java-gram"));
        assertThrows(IllegalArgumentException.class, () -> tt.decompose(new double[5], new int[] {2, 3}, BondPolicy.EXACT));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tt.decompose(new double[6], new int[] {2, 3}, BondPolicy.perBond(1, 1)));
        assertTrue(e.getMessage().contains("one cap per bond"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BondPolicy.uniform(0, 5));
        assertTrue(e.getMessage().contains("max bond 0") && e.getMessage().contains("at least 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BondPolicy.relativeError(1.5));
        assertTrue(e.getMessage().contains("epsilon=1.5") && e.getMessage().contains("between 0 and 1"));
        assertThrows(IllegalArgumentException.class, () -> BondPolicy.relativeError(Double.NaN));
    }

    static double[] random(int[] dims, Random random) {
        int size = 1;
        for (int d : dims) {
            size *= d;
        }
        double[] t = new double[size];
        for (int i = 0; i < size; i++) {
            t[i] = random.nextDouble();
        }
        return t;
    }

    static double relativeError(double[] a, double[] b) {
        double d = 0;
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] - b[i]) * (a[i] - b[i]);
            s += a[i] * a[i];
        }
        return Math.sqrt(d / s);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void withABudgetTheDecompositionIsTheFullOneOrNone(String route, int[] dims) {
        double[] tensor = random(dims, new Random(5));
        TtSvd tt = new TtSvd(LowRankFactorizers.create(route));
        BondPolicy policy = BondPolicy.relativeError(0.2);
        Decomposition full = tt.decompose(tensor, dims, policy);
        long parameters = full.mps().parameters();
        for (long budget : new long[] {parameters, parameters - 1, parameters / 2, 0}) {
            var within = tt.decomposeWithin(tensor, dims, policy, budget);
            assertEquals(budget >= parameters, within.isPresent(), "budget " + budget + " for " + parameters);
            within.ifPresent(d -> {
                assertEquals(full.mps(), d.mps());
                assertArrayEquals(full.discarded(), d.discarded());
            });
        }
    }
}
