package dev.mmps.tensor.tt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.Tolerance;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The MMPS stage loop: each stage decomposes what the stages before it left out. */
class StagedTtSvdTest {

    private static final int[] DIMS = {4, 8, 4, 8, 3};

    private static StagedTtSvd staged(String route) {
        return new StagedTtSvd(new TtSvd(LowRankFactorizers.create(route)), new MpsContractor());
    }

    @Test
    void eachStageDecomposesTheResidualOfTheStagesBeforeIt() {
        double[] tensor = TtSvdTest.random(DIMS, new Random(5));
        List<double[]> inputs = new ArrayList<>();
        StagedTtSvd.StagePolicy policy = (stage, residual, size) -> {
            inputs.add(java.util.Arrays.copyOf(residual, size));
            return BondPolicy.uniform(2 + stage, DIMS.length);
        };
        double[] approximation = new double[tensor.length];
        List<Decomposition> stages = staged("java-gram").decompose(tensor, DIMS, 3, policy, approximation);

        assertEquals(3, stages.size());
        assertArrayEquals(tensor, inputs.get(0));
        double[] sum = new double[tensor.length];
        for (int s = 0; s < stages.size(); s++) {
            double[] expected = new double[tensor.length];
            for (int i = 0; i < tensor.length; i++) {
                expected[i] = tensor[i] - sum[i];
            }
            assertArrayEquals(expected, inputs.get(s), Tolerance.F64, "input of stage " + (s + 1));
            assertEquals(Math.sqrt(squaredNorm(expected)), stages.get(s).inputNorm(),
                    Tolerance.F64 * Math.sqrt(squaredNorm(tensor)));
            for (int r : stages.get(s).mps().bonds()) {
                assertTrue(r <= 2 + s, "stage " + (s + 1) + " keeps its own caps");
            }
            double[] stageTensor = stages.get(s).mps().toTensor();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += stageTensor[i];
            }
        }
        assertArrayEquals(sum, approximation, Tolerance.F64);
    }

    @Test
    void laterStagesNeverIncreaseTheError() {
        double[] tensor = TtSvdTest.random(DIMS, new Random(6));
        double[] approximation = new double[tensor.length];
        double previous = Double.MAX_VALUE;
        for (int k = 1; k <= 3; k++) {
            staged("auto").decompose(tensor, DIMS, java.util.Collections.nCopies(k, BondPolicy.uniform(3, DIMS.length)),
                    approximation);
            double[] error = new double[tensor.length];
            for (int i = 0; i < tensor.length; i++) {
                error[i] = tensor[i] - approximation[i];
            }
            double norm = Math.sqrt(squaredNorm(error));
            assertTrue(norm <= previous * (1 + Tolerance.F32), k + " stages: " + norm + " after " + previous);
            previous = norm;
        }
    }

    /**
     * Without an approximation to fill, the last stage is not contracted: the residual's squared norm then comes
     * from what its steps discarded, and equals the contracted one up to the float32 rounding of the cores.
     */
    @Test
    void withoutAnApproximationTheResidualNormIsTheSame() {
        double[] tensor = TtSvdTest.random(DIMS, new Random(10));
        List<BondPolicy> policies = List.of(BondPolicy.uniform(3, DIMS.length), BondPolicy.uniform(2, DIMS.length));
        StagedTtSvd staged = staged("auto");
        List<Decomposition> contracted = staged.decompose(tensor, DIMS, policies, new double[tensor.length]);
        double expected = staged.residualSquaredNorm();
        List<Decomposition> summed = staged.decompose(tensor, DIMS, policies, null);
        for (int s = 0; s < policies.size(); s++) {
            assertEquals(contracted.get(s).mps(), summed.get(s).mps(), "stage " + (s + 1) + ", the same either way");
        }
        assertEquals(expected, staged.residualSquaredNorm(), Tolerance.F32 * squaredNorm(tensor));
        assertTrue(expected > 0.1 * squaredNorm(tensor), "a truncation that leaves a residual: " + expected);
    }

    @Test
    void oneExactStageRebuildsTheTensor() {
        double[] tensor = TtSvdTest.random(DIMS, new Random(7));
        double[] approximation = new double[tensor.length + 10];
        java.util.Arrays.fill(approximation, 42);
        staged("auto").decompose(tensor, DIMS, List.of(BondPolicy.EXACT), approximation);
        double[] error = new double[tensor.length];
        for (int i = 0; i < tensor.length; i++) {
            error[i] = tensor[i] - approximation[i];
        }
        assertEquals(0, Math.sqrt(squaredNorm(error) / squaredNorm(tensor)), Tolerance.F32);
        assertEquals(42, approximation[tensor.length], "values past the tensor are left alone");
    }

    @Test
    void withABudgetTheResultIsTheFullOneOrNone() {
        double[] tensor = TtSvdTest.random(DIMS, new Random(9));
        StagedTtSvd.StagePolicy policy = (stage, residual, size) -> BondPolicy.relativeError(0.05 + 0.1 * stage);
        double[] approximation = new double[tensor.length];
        List<Decomposition> full = staged("auto").decompose(tensor, DIMS, 2, policy, approximation);
        double[] fullApproximation = approximation.clone();
        long parameters = full.get(0).mps().parameters() + full.get(1).mps().parameters();
        for (long budget : new long[] {parameters + 1, parameters, parameters - 1, full.get(0).mps().parameters(), 10}) {
            double[] within = new double[tensor.length];
            var result = staged("auto").decomposeWithin(tensor, DIMS, 2, policy, within, budget);
            assertEquals(budget >= parameters, result.isPresent(), "budget " + budget + " for " + parameters);
            if (result.isPresent()) {
                for (int s = 0; s < 2; s++) {
                    assertEquals(full.get(s).mps(), result.get().get(s).mps());
                    assertArrayEquals(full.get(s).discarded(), result.get().get(s).discarded());
                }
                assertArrayEquals(fullApproximation, within);
            }
        }
    }

    /**
     * A native route's stage loop contracts its stages in single precision: the first stage is the same, and what
     * the next stages see differs from the double-precision residual by no more than float32 rounding of the
     * tensor. A route of Java products contracts in double precision, exactly as a contractor of its products.
     */
    @Test
    void aNativeRouteContractsTheStagesInSinglePrecision() {
        double[] tensor = TtSvdTest.random(DIMS, new Random(11));
        List<double[]> singleInputs = new ArrayList<>();
        List<double[]> doubleInputs = new ArrayList<>();
        double[] single = new double[tensor.length];
        double[] twice = new double[tensor.length];
        List<Decomposition> s = StagedTtSvd.forRoute(new TtSvd(LowRankFactorizers.create("auto")))
                .decompose(tensor, DIMS, 3, recording(singleInputs), single);
        List<Decomposition> d = staged("auto").decompose(tensor, DIMS, 3, recording(doubleInputs), twice);
        assertEquals(d.get(0).mps(), s.get(0).mps(), "the first stage decomposes the tensor either way");
        double scale = Math.sqrt(squaredNorm(tensor));
        double largestDifference = 0;
        for (int stage = 1; stage < 3; stage++) {
            for (int i = 0; i < tensor.length; i++) {
                largestDifference = Math.max(largestDifference,
                        Math.abs(singleInputs.get(stage)[i] - doubleInputs.get(stage)[i]));
            }
        }
        assertTrue(largestDifference > 0, "the single-precision contraction rounds differently");
        assertTrue(largestDifference <= Tolerance.F32 * scale, "stage inputs differ by " + largestDifference);
        assertArrayEquals(twice, single, Tolerance.F32 * scale);

        double[] javaRoute = new double[tensor.length];
        double[] javaProducts = new double[tensor.length];
        StagedTtSvd.forRoute(new TtSvd(LowRankFactorizers.create("java-gram")))
                .decompose(tensor, DIMS, 3, recording(new ArrayList<>()), javaRoute);
        new StagedTtSvd(new TtSvd(LowRankFactorizers.create("java-gram")),
                new MpsContractor(LowRankFactorizers.create("java-gram").products()))
                .decompose(tensor, DIMS, 3, recording(new ArrayList<>()), javaProducts);
        assertArrayEquals(javaProducts, javaRoute, "a Java route contracts in double precision with its products");
    }

    /** Uniform caps of 3, recording each stage's input. */
    private static StagedTtSvd.StagePolicy recording(List<double[]> inputs) {
        return (stage, residual, size) -> {
            inputs.add(java.util.Arrays.copyOf(residual, size));
            return BondPolicy.uniform(3, DIMS.length);
        };
    }

    @Test
    void misuseIsRefusedWithTheRule() {
        StagedTtSvd staged = staged("java-gram");
        double[] tensor = TtSvdTest.random(DIMS, new Random(8));
        var noStages = assertThrows(IllegalArgumentException.class,
                () -> staged.decompose(tensor, DIMS, 0, StagedTtSvd.StagePolicy.fixed(List.of()), tensor.clone()));
        assertTrue(noStages.getMessage().contains("stages=0"), noStages.getMessage());
        var noPolicies = assertThrows(IllegalArgumentException.class,
                () -> staged.decompose(tensor, DIMS, List.of(), tensor.clone()));
        assertTrue(noPolicies.getMessage().contains("one per stage"), noPolicies.getMessage());
        var shortTarget = assertThrows(IllegalArgumentException.class,
                () -> staged.decompose(tensor, DIMS, List.of(BondPolicy.EXACT), new double[10]));
        assertTrue(shortTarget.getMessage().contains(tensor.length + " values"), shortTarget.getMessage());
    }

    private static double squaredNorm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return s;
    }
}
