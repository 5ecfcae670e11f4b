package dev.mmps.tensor.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.TestImages;
import dev.mmps.tensor.Tolerance;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.IndexOrder;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.metrics.ImageStats;
import dev.mmps.tensor.metrics.Quality;
import dev.mmps.tensor.tt.Mps;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The MMPS contract over many image shapes and both index orders, with seeded images: exact at
 * full bond dimension, the Eq. 3 bound holds under truncation, the reported ratio is Eq. 6 of the
 * core shapes, a second stage never hurts, and output is deterministic.
 */
class MmpsCodecContractTest {

    /** Relative slack on the Eq. 3 bound: it is computed in double from singular values the cores round to float32. */
    private static final double BOUND_SLACK = 1e-4;
    /** A constant image is rank one in every unfolding: rebuilt to a few float32 roundings. */
    private static final double CONSTANT_TOLERANCE = 1e-6;
    /**
     * The reported PSNR against the one of the rebuilt image: the codec sums the residual in double precision,
     * the rebuilt image is rounded to float32 once more.
     */
    private static final double STATS_DB = 1e-4;
    /** Above this PSNR the error is float32 rounding (an exact decomposition), which the two sides round apart. */
    private static final double ROUNDING_DB = 120;


    private static final ImageShape[] SHAPES = {
        new ImageShape(1, 1, 1), new ImageShape(2, 3, 1), new ImageShape(64, 8, 3), new ImageShape(8, 64, 3),
        new ImageShape(28, 28, 1), new ImageShape(32, 32, 3), new ImageShape(224, 224, 3), new ImageShape(17, 23, 3),
        new ImageShape(31, 29, 1), new ImageShape(100, 75, 3)
    };

    static Stream<Arguments> cases() {
        return Stream.of(SHAPES).flatMap(s -> Stream.of(IndexOrder.values()).map(o -> Arguments.of(s, o)));
    }

    private static MmpsCodec codec(IndexOrder order, Truncation truncation, int stages) {
        return new MmpsCodec(new CompressionSpec(LayoutRequest.auto(order, 5), truncation, stages),
                LowRankFactorizers.create("auto"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void fullBondDimensionIsExact(ImageShape shape, IndexOrder order) {
        float[] pixels = TestImages.noise(shape, 1);
        CompressedImage c = codec(order, new Truncation.MaxBond(Integer.MAX_VALUE), 1).compress(pixels, shape);
        assertEquals(0, c.stats().relativeError(), Tolerance.F32, c.factors().layout().spec());
        float[] rebuilt = c.factors().reconstruct();
        assertEquals(pixels.length, rebuilt.length);
        for (int i = 0; i < pixels.length; i++) {
            assertEquals(pixels[i], rebuilt[i], Tolerance.PIXEL_F32);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void truncatedErrorStaysWithinTheBound(ImageShape shape, IndexOrder order) {
        float[] pixels = TestImages.natural(shape, 2);
        for (int stages = 1; stages <= 2; stages++) {
            CompressedImage c = codec(order, new Truncation.MaxBond(3), stages).compress(pixels, shape);
            ImageStats s = c.stats();
            double norm = Math.sqrt(squaredNorm(pixels));
            double error = s.relativeError() * norm;
            // The bound is on the padded tensor; the image's error can only be smaller.
            assertTrue(error <= s.errorBound() * (1 + BOUND_SLACK) + Tolerance.F32 * norm,
                    "error " + error + " within bound " + s.errorBound() + " for " + stages + " stage(s)");
            for (Mps m : c.factors().stages()) {
                for (int r : m.bonds()) {
                    assertTrue(r <= 3);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void errorTargetIsMetForTheWholeImage(ImageShape shape, IndexOrder order) {
        float[] pixels = TestImages.natural(shape, 3);
        for (int stages = 1; stages <= 3; stages++) {
            for (double epsilon : new double[] {0.2, 0.02}) {
                CompressedImage c = codec(order, new Truncation.RelativeError(epsilon), stages).compress(pixels, shape);
                assertTrue(c.stats().relativeError() <= epsilon + Tolerance.F32,
                        c.stats() + " for epsilon " + epsilon + ", " + stages + " stage(s)");
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void reportedRatioIsEquationSixOfTheCoreShapes(ImageShape shape, IndexOrder order) {
        float[] pixels = TestImages.natural(shape, 4);
        CompressedImage c = codec(order, new Truncation.MaxBond(4), 2).compress(pixels, shape);
        long parameters = 0;
        for (Mps m : c.factors().stages()) {
            int[] ranks = m.ranks();
            int[] dims = m.dims();
            for (int k = 0; k < dims.length; k++) {
                assertEquals((long) ranks[k] * dims[k] * ranks[k + 1], m.core(k).length);
                parameters += m.core(k).length;
            }
        }
        assertEquals(parameters, c.stats().parameters());
        assertEquals((double) parameters / shape.values(), c.stats().ratio(), 1e-15);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void reportedErrorIsTheRebuiltImages(ImageShape shape, IndexOrder order) {
        float[] pixels = TestImages.natural(shape, 7);
        for (int stages : new int[] {1, 2}) {
            CompressedImage c = codec(order, new Truncation.MaxBond(3), stages).compress(pixels, shape);
            float[] rebuilt = c.factors().reconstruct();
            double squaredError = Quality.squaredError(pixels, rebuilt, pixels.length);
            String where = c.factors().layout().spec() + ", " + stages + " stage(s)";
            double expected = Quality.psnrDb(squaredError, pixels.length);
            if (expected < ROUNDING_DB) {
                assertEquals(expected, c.stats().psnrDb(), STATS_DB, where);
            } else {
                assertTrue(c.stats().psnrDb() > ROUNDING_DB, where + ": " + c.stats().psnrDb() + " dB");
            }
            assertEquals(Quality.relativeError(squaredError, Quality.squaredNorm(pixels, pixels.length)),
                    c.stats().relativeError(), Tolerance.F32, where);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void secondStageNeverHurts(ImageShape shape, IndexOrder order) {
        float[] pixels = TestImages.natural(shape, 5);
        for (int cap : new int[] {1, 2, 5}) {
            double one = codec(order, new Truncation.MaxBond(cap), 1).compress(pixels, shape).stats().relativeError();
            double two = codec(order, new Truncation.MaxBond(cap), 2).compress(pixels, shape).stats().relativeError();
            assertTrue(two <= one + Tolerance.F32, "K=2 error " + two + " > K=1 error " + one + " at cap " + cap);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void outputIsBitIdenticalFromRunToRun(ImageShape shape, IndexOrder order) {
        float[] pixels = TestImages.natural(shape, 6);
        Truncation t = new Truncation.MaxBond(6);
        MmpsCodec warm = codec(order, t, 2);
        warm.compress(TestImages.noise(shape, 9), shape);
        CompressedImage a = warm.compress(pixels, shape);
        CompressedImage b = codec(order, t, 2).compress(pixels, shape);
        assertEquals(a.factors().stages(), b.factors().stages());
        assertEquals(a.stats(), b.stats());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void constantAndZeroImagesAreExact(ImageShape shape, IndexOrder order) {
        for (float value : new float[] {0f, 0.5f, 1f}) {
            float[] pixels = TestImages.constant(shape, value);
            CompressedImage c = codec(order, new Truncation.MaxBond(4), 2).compress(pixels, shape);
            float[] rebuilt = c.factors().reconstruct();
            for (int i = 0; i < pixels.length; i++) {
                assertEquals(value, rebuilt[i], CONSTANT_TOLERANCE);
            }
            assertTrue(Double.isFinite(c.stats().relativeError()));
            if (value == 0f) {
                assertEquals(0.0, c.stats().relativeError());
                assertEquals(Double.POSITIVE_INFINITY, c.stats().psnrDb());
            }
            TensorLayout layout = c.factors().layout();
            boolean padded = layout.paddedHeight() != shape.height() || layout.paddedWidth() != shape.width()
                    || layout.size() != shape.values();
            if (!padded) {
                for (int r : c.factors().stages().get(0).bonds()) {
                    assertEquals(1, r, "a constant image has rank one everywhere");
                }
            }
        }
    }

    private static double squaredNorm(float[] p) {
        double s = 0;
        for (float v : p) {
            s += (double) v * v;
        }
        return s;
    }
}
