package dev.mmps.tensor.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.TestImages;
import dev.mmps.tensor.Tolerance;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.ImageCodec;
import dev.mmps.tensor.codec.ImageCodec.Encoding;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import java.util.Random;
import java.util.function.DoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The baseline codecs: exact where the model fits, monotone in the budget, counted by formula. */
class BaselineCodecTest {

    /** CP's fit as ALS tracks it against one minus the error measured on the rebuilt float32 image. */
    private static final double FIT_TOLERANCE = 1e-4;


    /** ALS on an exactly representable tensor: relative error it must reach. */
    private static final double CP_EXACT = 1e-4;
    /** Slack for "the error does not grow with the budget" (float32 factors, ALS stopping early). */
    private static final double MONOTONE_SLACK = 1e-3;

    private static final ImageShape CIFAR = new ImageShape(32, 32, 3);

    static Stream<Arguments> codecs() {
        return Stream.of(
                Arguments.of("svd", (DoubleFunction<ImageCodec>) r -> new SvdCodec(r, LowRankFactorizers.create("java-gram"))),
                Arguments.of("tucker", (DoubleFunction<ImageCodec>) r -> TuckerCodec.forRatio(r, 0,
                        LowRankFactorizers.create("java-gram"))),
                Arguments.of("tucker+hooi", (DoubleFunction<ImageCodec>) r -> TuckerCodec.forRatio(r, 2,
                        LowRankFactorizers.create("java-gram"))),
                Arguments.of("cp", (DoubleFunction<ImageCodec>) r -> new CpCodec(r, 60, 1e-6, 7)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecs")
    void errorFallsAsTheBudgetGrowsAndTheCountMatchesTheBudget(String name, DoubleFunction<ImageCodec> make) {
        float[] image = TestImages.natural(CIFAR, 11);
        double previous = Double.MAX_VALUE;
        for (double ratio : new double[] {0.1, 0.3, 0.5, 0.7}) {
            Encoding e = make.apply(ratio).encode(image, CIFAR);
            assertTrue(e.stats().parameters() <= Math.floor(ratio * CIFAR.values()), name + " over budget at " + ratio);
            assertEquals(e.factors().parameters(), e.stats().parameters());
            assertEquals((double) e.stats().parameters() / CIFAR.values(), e.stats().ratio(), 1e-15);
            assertTrue(e.stats().relativeError() <= previous + MONOTONE_SLACK,
                    name + " error " + e.stats().relativeError() + " at " + ratio + " after " + previous);
            previous = e.stats().relativeError();
        }
        assertTrue(previous < 0.05, name + " at ratio 0.7 still has relative error " + previous);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecs")
    void sameImageSameFactors(String name, DoubleFunction<ImageCodec> make) {
        float[] image = TestImages.natural(new ImageShape(20, 24, 3), 3);
        float[] first = make.apply(0.4).encode(image, new ImageShape(20, 24, 3)).factors().reconstruct();
        float[] second = make.apply(0.4).encode(image, new ImageShape(20, 24, 3)).factors().reconstruct();
        assertArrayEquals(first, second, name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecs")
    void allZeroImageIsExactAndConstantImageNearly(String name, DoubleFunction<ImageCodec> make) {
        ImageShape shape = new ImageShape(16, 12, 3);
        Encoding zero = make.apply(0.5).encode(new float[shape.values()], shape);
        assertArrayEquals(new float[shape.values()], zero.factors().reconstruct(), name);
        Encoding constant = make.apply(0.5).encode(TestImages.constant(shape, 0.6f), shape);
        assertTrue(constant.stats().relativeError() < Tolerance.F32 * 10, name + " " + constant.stats());
    }

    @Test
    void svdIsExactForChannelsOfLowRankAndCountsCRHplusW() {
        ImageShape shape = new ImageShape(24, 40, 3);
        Random random = new Random(5);
        float[] image = new float[shape.values()];
        for (int c = 0; c < 3; c++) {
            double[] channel = TestImages.lowRank(24, 40, 4, random);
            for (int i = 0; i < channel.length; i++) {
                image[i * 3 + c] = (float) channel[i];
            }
        }
        double ratio = 4.0 * 3 * (24 + 40) / shape.values();
        Encoding e = new SvdCodec(ratio, LowRankFactorizers.create("auto")).encode(image, shape);
        assertEquals(4, ((SvdCodec.Factors) e.factors()).rank());
        assertEquals(3L * 4 * (24 + 40), e.stats().parameters());
        assertTrue(e.stats().relativeError() < Tolerance.F32, e.stats().toString());
    }

    @Test
    void tuckerIsExactForTensorsOfThatMultilinearRankAndHooiNeverHurts() {
        ImageShape shape = new ImageShape(18, 30, 3);
        Random random = new Random(9);
        // X = G x1 A x2 B with a 3 x 5 x 3 core: multilinear rank (3, 5, 3).
        double[] g = TestImages.matrix(3, 5 * 3, random);
        double[] a = TestImages.matrix(18, 3, random);
        double[] b = TestImages.matrix(30, 5, random);
        double[] x = Tensors.modeProduct(Tensors.modeProduct(g, new int[] {3, 5, 3}, 0, a, 18), new int[] {18, 5, 3},
                1, b, 30);
        float[] image = Tensors.toFloat(x, 0, x.length);
        int[] ranks = {3, 5, 3};
        double ratio = (double) TuckerCodec.parameters(shape, ranks) / shape.values();
        Encoding e = TuckerCodec.forRatio(ratio, 0, LowRankFactorizers.create("java-gram")).encode(image, shape);
        int[] chosen = ((TuckerCodec.Factors) e.factors()).ranks();
        assertTrue(chosen[0] >= 3 && chosen[1] >= 5 && chosen[2] == 3, java.util.Arrays.toString(chosen));
        assertTrue(e.stats().relativeError() < Tolerance.F32, e.stats().toString());

        float[] natural = TestImages.natural(new ImageShape(32, 32, 3), 2);
        double hosvd = TuckerCodec.forRatio(0.2, 0, LowRankFactorizers.create("auto")).encode(natural, CIFAR)
                .stats().relativeError();
        double hooi = TuckerCodec.forRatio(0.2, 3, LowRankFactorizers.create("auto")).encode(natural, CIFAR)
                .stats().relativeError();
        assertTrue(hooi <= hosvd + Tolerance.F32, "HOOI " + hooi + " against HOSVD " + hosvd);
    }

    @Test
    void tuckerEnergyThresholdBoundsTheError() {
        float[] image = TestImages.natural(CIFAR, 4);
        for (double energy : new double[] {0.9, 0.99, 0.999}) {
            Encoding e = TuckerCodec.forEnergy(energy, 0, LowRankFactorizers.create("java-gram")).encode(image, CIFAR);
            // Truncated HOSVD: the squared error is at most the sum of what each mode discards.
            double bound = Math.sqrt(3 * (1 - energy));
            assertTrue(e.stats().relativeError() <= bound + Tolerance.F32,
                    energy + ": error " + e.stats().relativeError() + " above " + bound);
        }
        var bad = assertThrows(IllegalArgumentException.class,
                () -> TuckerCodec.forEnergy(1.5, 0, LowRankFactorizers.create("java-gram")));
        assertTrue(bad.getMessage().contains("(0, 1]"), bad.getMessage());
    }

    @Test
    void cpRecoversATensorOfThatRank() {
        ImageShape shape = new ImageShape(16, 20, 3);
        Random random = new Random(3);
        int rank = 3;
        double[] a = TestImages.matrix(16, rank, random);
        double[] b = TestImages.matrix(20, rank, random);
        double[] c = TestImages.matrix(3, rank, random);
        float[] image = new float[shape.values()];
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 20; x++) {
                for (int k = 0; k < 3; k++) {
                    double s = 0;
                    for (int r = 0; r < rank; r++) {
                        s += a[y * rank + r] * b[x * rank + r] * c[k * rank + r];
                    }
                    image[(y * 20 + x) * 3 + k] = (float) s;
                }
            }
        }
        double ratio = (double) rank * (16 + 20 + 3) / shape.values();
        Encoding e = new CpCodec(ratio, 2000, 1e-12, 1).encode(image, shape);
        CpCodec.Factors f = (CpCodec.Factors) e.factors();
        assertEquals(rank, f.rank());
        assertEquals((long) rank * (16 + 20 + 3), e.stats().parameters());
        assertTrue(e.stats().relativeError() < CP_EXACT, e.stats() + " after " + f.sweeps() + " sweeps");
        assertEquals(1 - e.stats().relativeError(), f.fit(), FIT_TOLERANCE);
    }

    @Test
    void cpThroughNativeProductsFollowsTheSameSweepsAsPlainJava() {
        float[] image = TestImages.natural(CIFAR, 21);
        ImageCodec java = new CpCodec(0.3, 15, 0, 3);
        ImageCodec blas = new CpCodec(0.3, 15, 0, 3, LowRankFactorizers.create("blas-gram").products());
        Encoding a = java.encode(image, CIFAR);
        Encoding b = blas.encode(image, CIFAR);
        assertEquals(15, ((CpCodec.Factors) b.factors()).sweeps());
        assertEquals(a.stats().relativeError(), b.stats().relativeError(), Tolerance.F32);
    }

    @Test
    void budgetsBelowTheSmallestFormSayTheSmallestRatio() {
        var svd = assertThrows(IllegalArgumentException.class,
                () -> new SvdCodec(0.01, LowRankFactorizers.create("java-gram")).encode(new float[CIFAR.values()], CIFAR));
        assertTrue(svd.getMessage().contains("the smallest is 0.0625") && svd.getMessage().contains("--ratio 0.0625"),
                svd.getMessage());
        var cp = assertThrows(IllegalArgumentException.class,
                () -> new CpCodec(0.01, 10, 0, 1).encode(new float[CIFAR.values()], CIFAR));
        assertTrue(cp.getMessage().contains("the smallest is 0.0218"), cp.getMessage());
        var tucker = assertThrows(IllegalArgumentException.class, () -> TuckerCodec.forRatio(0.01, 0,
                LowRankFactorizers.create("java-gram")).encode(new float[CIFAR.values()], CIFAR));
        assertTrue(tucker.getMessage().contains("the smallest is 0.0221"), tucker.getMessage());
        var ratio = assertThrows(IllegalArgumentException.class, () -> new CpCodec(1.5, 10, 0, 1));
        assertTrue(ratio.getMessage().contains("1.5"), ratio.getMessage());
        var nan = assertThrows(IllegalArgumentException.class,
                () -> new SvdCodec(0.3, LowRankFactorizers.create("java-gram")).encode(new float[] {Float.NaN}, CIFAR));
        assertTrue(nan.getMessage().length() > 10, nan.getMessage());
    }

    @Test
    void mmpsAndMpsAnswerToTheSameSeam() {
        ImageCodec mmps = new MmpsCodec(new CompressionSpec(LayoutRequest.auto(), new Truncation.TargetRatio(0.3), 2),
                LowRankFactorizers.create("java-gram"));
        ImageCodec mps = new MmpsCodec(new CompressionSpec(LayoutRequest.auto(), new Truncation.TargetRatio(0.3), 1),
                LowRankFactorizers.create("java-gram"));
        assertEquals("mmps", mmps.name());
        assertEquals("mps", mps.name());
        float[] image = TestImages.natural(CIFAR, 1);
        Encoding e = mmps.encode(image, CIFAR);
        assertArrayEquals(e.factors().reconstruct(), e.factors().reconstruct());
        assertEquals(e.factors().ratio(), e.stats().ratio(), 1e-15);
    }
}
