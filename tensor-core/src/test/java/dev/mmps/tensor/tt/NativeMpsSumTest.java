package dev.mmps.tensor.tt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.Tolerance;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The single-precision native sum of MPS against every entry computed on its own: the product of one
 * slice of each core, in double precision.
 */
class NativeMpsSumTest {

    /** A random MPS whose inner bonds are drawn up to {@code maxRank} (and to what the dimensions allow). */
    private static Mps random(int[] dims, int maxRank, Random rng) {
        int n = dims.length;
        int[] ranks = new int[n + 1];
        ranks[0] = 1;
        ranks[n] = 1;
        for (int k = 1; k < n; k++) {
            ranks[k] = 1 + rng.nextInt(maxRank);
        }
        float[][] cores = new float[n][];
        for (int k = 0; k < n; k++) {
            cores[k] = new float[ranks[k] * dims[k] * ranks[k + 1]];
            for (int i = 0; i < cores[k].length; i++) {
                cores[k][i] = (float) rng.nextGaussian();
            }
        }
        return new Mps(dims, ranks, cores);
    }

    /** Entry by entry: the row vector of core 1's slice times each later core's slice, summed over the stages. */
    private static double[] bruteForce(List<Mps> stages) {
        int[] dims = stages.get(0).dims();
        int n = dims.length;
        int size = stages.get(0).size();
        double[] out = new double[size];
        int[] index = new int[n];
        for (int t = 0; t < size; t++) {
            int rest = t;
            for (int k = n - 1; k >= 0; k--) {
                index[k] = rest % dims[k];
                rest /= dims[k];
            }
            for (Mps m : stages) {
                int[] r = m.ranks();
                double[] v = {1.0};
                for (int k = 0; k < n; k++) {
                    float[] core = m.core(k);
                    double[] next = new double[r[k + 1]];
                    for (int a = 0; a < r[k]; a++) {
                        for (int b = 0; b < r[k + 1]; b++) {
                            next[b] += v[a] * core[(a * dims[k] + index[k]) * r[k + 1] + b];
                        }
                    }
                    v = next;
                }
                out[t] += v[0];
            }
        }
        return out;
    }

    private static void assertSumMatches(List<Mps> stages) {
        double[] expected = bruteForce(stages);
        float[] got = new float[expected.length + 3];
        java.util.Arrays.fill(got, Float.NaN);
        try (NativeMpsSum sum = new NativeMpsSum()) {
            sum.sum(stages, got);
            sum.sum(stages, got);
        }
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], Tolerance.F32 * 10 * scale, "entry " + i);
        }
        assertTrue(Float.isNaN(got[expected.length]), "nothing written past the tensor");
    }

    @Test
    void equalsTheBruteForceSumForEveryShapeAndSplit() {
        assertTrue(NativeMpsSum.available(), "OpenBLAS loads on the machines this project tests on");
        Random rng = new Random(11);
        int[][] shapes = {{5}, {3, 4}, {4, 8, 4, 8, 3}, {2, 7, 3, 5}, {16, 2, 2, 2, 3}, {2, 2, 2, 2, 2, 2, 5}};
        for (int[] dims : shapes) {
            for (int stages = 1; stages <= 3; stages++) {
                List<Mps> list = new ArrayList<>();
                for (int s = 0; s < stages; s++) {
                    list.add(random(dims, 6, rng));
                }
                assertSumMatches(list);
            }
        }
    }

    @Test
    void stagesWithDifferentBondsAndGrowingScratch() {
        Random rng = new Random(12);
        int[] small = {2, 3, 2};
        int[] large = {8, 12, 8, 3};
        try (NativeMpsSum sum = new NativeMpsSum()) {
            for (int[] dims : new int[][] {small, large, small}) {
                List<Mps> stages = List.of(random(dims, 2, rng), random(dims, 9, rng));
                double[] expected = bruteForce(stages);
                float[] got = new float[expected.length];
                sum.sum(stages, got);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], got[i], Tolerance.F32 * 100 * Math.max(1, Math.abs(expected[i])),
                            "entry " + i + " of " + java.util.Arrays.toString(dims));
                }
            }
        }
    }

    @Test
    void agreesWithTheDoublePrecisionContractor() {
        Random rng = new Random(13);
        int[] dims = {16, 49, 16, 4, 3};
        List<Mps> stages = List.of(random(dims, 40, rng), random(dims, 20, rng));
        double[] expected = new double[stages.get(0).size()];
        MpsContractor contractor = new MpsContractor();
        for (Mps m : stages) {
            contractor.addTo(m, expected);
        }
        float[] got = new float[expected.length];
        try (NativeMpsSum sum = new NativeMpsSum()) {
            sum.sum(stages, got);
        }
        double error = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            error += (expected[i] - got[i]) * (expected[i] - got[i]);
            norm += expected[i] * expected[i];
        }
        assertTrue(Math.sqrt(error / norm) < Tolerance.F32, "relative error " + Math.sqrt(error / norm));
    }

    @Test
    void refusesStagesOfDifferentDimensionsAndShortTargets() {
        Random rng = new Random(14);
        try (NativeMpsSum sum = new NativeMpsSum()) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> sum.sum(List.of(random(new int[] {2, 3}, 2, rng), random(new int[] {3, 2}, 2, rng)),
                            new float[6]));
            assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3, 2]"), e.getMessage());
            var s = assertThrows(IllegalArgumentException.class,
                    () -> sum.sum(List.of(random(new int[] {2, 3}, 2, rng)), new float[5]));
            assertTrue(s.getMessage().contains("5") && s.getMessage().contains("6"), s.getMessage());
        }
    }
}
