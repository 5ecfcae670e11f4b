package dev.mmps.tensor.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.Tolerance;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.linalg.RankSelector;
import dev.mmps.tensor.tt.TtSvd;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WeightFactorisationTest {

    private final LowRankFactorizer factorizer = LowRankFactorizers.create("auto");

    @Test
    void energyRuleReturnsTheSmallestRankReachingTheThreshold() {
        Random random = new Random(11);
        for (int trial = 0; trial < 500; trial++) {
            int count = 1 + random.nextInt(8);
            double[] sigma = new double[count];
            for (int i = 0; i < count; i++) {
                sigma[i] = random.nextInt(5) == 0 ? 0 : random.nextDouble();
            }
            Arrays.sort(sigma);
            reverse(sigma);
            double total = Arrays.stream(sigma).sum();
            double tau = trial % 10 == 0 ? 1.0 : 0.05 + 0.95 * random.nextDouble();
            int expected = count;
            // Brute force: try every rank from the smallest.
            for (int r = 1; r <= count; r++) {
                double kept = 0;
                for (int i = 0; i < r; i++) {
                    kept += sigma[i];
                }
                if (kept >= tau * total) {
                    expected = r;
                    break;
                }
            }
            assertEquals(expected, RankSelector.energy(tau).select(sigma, count, total),
                    () -> "spectrum " + Arrays.toString(sigma) + " at tau " + tau);
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, -0.1, 1.0001, Double.NaN})
    void energyOutsideTheUnitIntervalIsRefused(double tau) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RankSelector.energy(tau));
        assertTrue(e.getMessage().contains("(0, 1]"), e.getMessage());
    }

    @Test
    void balancedModesMultiplyToTheSize() {
        assertArrayEquals(new int[] {4, 7, 7, 4}, Modes.balanced(784, 4));
        assertArrayEquals(new int[] {4, 4, 4, 4}, Modes.balanced(256, 4));
        assertArrayEquals(new int[] {1, 2, 5, 1}, Modes.balanced(10, 4));
        for (int n = 1; n < 600; n++) {
            for (int d = 1; d <= 5; d++) {
                assertEquals(n, Modes.product(Modes.balanced(n, d)));
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Modes.requireFactor(new int[] {4, 7, 7, 5}, 784, "input"));
        assertTrue(e.getMessage().contains("980") && e.getMessage().contains("784"), e.getMessage());
    }

    @Test
    void mpoAtFullBondReproducesTheMatrixAndCountsItsParameters() {
        int[] out = {2, 3, 2};
        int[] in = {3, 2, 4};
        float[] w = randomMatrix(12 * 24, new Random(5));
        Mpo mpo = Mpo.fromMatrix(w, out, in, 0, new TtSvd(factorizer));
        assertTrue(relativeError(w, mpo.toMatrix()) < Tolerance.F32, "error " + relativeError(w, mpo.toMatrix()));
        // Full TT ranks of the interleaved 6 x 6 x 8 tensor: min(6, 48) and min(36, 8).
        assertArrayEquals(new int[] {1, 6, 8, 1}, mpo.bonds());
        assertArrayEquals(Mpo.bonds(out, in, 1000), mpo.bonds());
        long formula = 1 * 2 * 3 * 6 + 6 * 3 * 2 * 8 + 8 * 2 * 4 * 1;
        assertEquals(formula, mpo.parameters());
        assertEquals(formula, Arrays.stream(mpo.cores()).mapToLong(c -> c.length).sum());
    }

    @Test
    void aCappedBondApproximatesWithinTheDiscardedEnergy() {
        int[] out = {4, 4, 4, 4};
        int[] in = {4, 7, 7, 4};
        float[] w = randomMatrix(256 * 784, new Random(6));
        Mpo mpo = Mpo.fromMatrix(w, out, in, 4, new TtSvd(factorizer));
        assertTrue(Arrays.stream(mpo.bonds()).allMatch(b -> b <= 4), Arrays.toString(mpo.bonds()));
        assertEquals(Mpo.parameters(out, in, Mpo.bonds(out, in, 4)), mpo.parameters());
        double error = relativeError(w, mpo.toMatrix());
        // A random matrix has a flat spectrum: bond 4 keeps little, but never more error than the whole.
        assertTrue(error > 0.5 && error <= 1, "relative error " + error);
    }

    @Test
    void tucker2AtFullRanksReproducesTheKernel() {
        float[] kernel = randomMatrix(6 * 5 * 3 * 3, new Random(7));
        Tucker2 t = Tucker2.decompose(kernel, 6, 5, 3, 3, RankSelector.atMost(6), RankSelector.atMost(5), factorizer);
        assertEquals(6, t.outRank());
        assertEquals(5, t.inRank());
        assertTrue(relativeError(kernel, t.toKernel()) < Tolerance.F32);
        // Both modes at full rank: one k x k layer with both rotations folded in.
        assertEquals(5 * 6 * 9, t.parameters());
        assertTrue(relativeError(kernel, t.foldedCore()) < Tolerance.F32);
    }

    /** A full-rank mode's rotation folded into the core gives the same kernel with one layer fewer. */
    @Test
    void aFullRankModeFoldsIntoTheCore() {
        float[] kernel = randomMatrix(6 * 3 * 9, new Random(12));
        Tucker2 t = Tucker2.decompose(kernel, 6, 3, 3, 3, RankSelector.atMost(2), RankSelector.atMost(3), factorizer);
        assertTrue(t.fullInRank() && !t.fullOutRank());
        float[] core = t.foldedCore();
        assertEquals(2 * 3 * 9, core.length);
        float[] out = t.outWeights();
        float[] rebuilt = new float[kernel.length];
        for (int o = 0; o < 6; o++) {
            for (int i = 0; i < 3 * 9; i++) {
                for (int a = 0; a < 2; a++) {
                    rebuilt[o * 27 + i] += out[o * 2 + a] * core[a * 27 + i];
                }
            }
        }
        assertTrue(relativeError(t.toKernel(), rebuilt) < Tolerance.F32);
        assertEquals(2 * 3 * 9 + 2 * 6, t.parameters());
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.5, 0.8, 0.9, 0.95})
    void tucker2ByEnergyKeepsTheSmallestRanksAndBoundsTheError(double tau) {
        Random random = new Random(8);
        // A kernel of decaying channel structure, like a trained one.
        int cOut = 16;
        int cIn = 12;
        float[] kernel = new float[cOut * cIn * 9];
        for (int o = 0; o < cOut; o++) {
            for (int i = 0; i < cIn; i++) {
                for (int s = 0; s < 9; s++) {
                    kernel[(o * cIn + i) * 9 + s] = (float) (random.nextGaussian() / (1 + o) / (1 + i));
                }
            }
        }
        Tucker2 t = Tucker2.decompose(kernel, cOut, cIn, 3, 3, RankSelector.energy(tau), RankSelector.energy(tau),
                factorizer);
        // The HOSVD bound: the squared error is at most the energy each mode discards.
        double error = relativeError(kernel, t.toKernel());
        assertTrue(error * error <= 2 * (1 - tau) + Tolerance.F32, "tau " + tau + ": relative error " + error);
        // One rank fewer on either mode would not reach tau.
        Tucker2 smaller = Tucker2.decompose(kernel, cOut, cIn, 3, 3, RankSelector.atMost(Math.max(1, t.outRank() - 1)),
                RankSelector.atMost(cIn), factorizer);
        if (t.outRank() > 1) {
            assertTrue(1 - squaredNorm(smaller.toKernel()) / squaredNorm(kernel) > 1 - tau - Tolerance.F32);
        }
    }

    @Test
    void svdSplitReproducesAtFullRankAndDiscardsAtMostTheRestOfTheEnergy() {
        float[] w = randomMatrix(20 * 30, new Random(9));
        SvdSplit full = SvdSplit.decompose(w, 20, 30, RankSelector.atMost(20), factorizer);
        assertEquals(20, full.rank());
        assertTrue(relativeError(w, full.toMatrix()) < Tolerance.F32);
        SvdSplit split = SvdSplit.decompose(w, 20, 30, RankSelector.energy(0.7), factorizer);
        double error = relativeError(w, split.toMatrix());
        assertTrue(split.rank() < 20 && error * error <= 0.3 + Tolerance.F32, "rank " + split.rank() + ", error " + error);
        assertEquals(split.rank() * 50L, split.parameters());
    }

    static float[] randomMatrix(int n, Random random) {
        float[] m = new float[n];
        for (int i = 0; i < n; i++) {
            m[i] = (float) random.nextGaussian();
        }
        return m;
    }

    static double relativeError(float[] expected, float[] actual) {
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (expected[i] - actual[i]) * (double) (expected[i] - actual[i]);
        }
        return Math.sqrt(diff / squaredNorm(expected));
    }

    private static double squaredNorm(float[] a) {
        double s = 0;
        for (float v : a) {
            s += v * (double) v;
        }
        return s;
    }

    private static void reverse(double[] a) {
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            double t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
