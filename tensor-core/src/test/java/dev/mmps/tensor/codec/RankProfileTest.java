package dev.mmps.tensor.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.TestImages;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.IndexOrder;
import dev.mmps.tensor.layout.LayoutPlanner;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.tt.TtSvd;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The calibrated ratio rule, the default of the compress job. */
class RankProfileTest {

    /** What "within 1%" means for the planned ratio. */
    private static final double RATIO_SLACK = 0.01;
    /** Sums merged in another order agree to rounding. */
    private static final double MERGE_TOLERANCE = 1e-12;

    private static List<float[]> images(ImageShape shape, int from, int count) {
        return IntStream.range(from, from + count).mapToObj(seed -> TestImages.natural(shape, seed)).toList();
    }

    private static RankProfile calibrated(TensorLayout layout, int stages, double ratio) {
        return RankProfile.calibrate(images(layout.shape(), 0, 8), layout, stages, ratio,
                LowRankFactorizers.create("java-gram"));
    }

    @ParameterizedTest(name = "{0}x{1}x{2} rho={3}")
    @CsvSource({"32,32,3,0.1", "32,32,3,0.3", "32,32,3,0.5", "64,48,3,0.3", "28,28,1,0.3", "224,224,3,0.3"})
    void withTheDefaultTwoStagesThePlanLandsWithinOnePercentBelowTheTarget(int h, int w, int c, double ratio) {
        TensorLayout layout = LayoutPlanner.plan(new ImageShape(h, w, c), IndexOrder.BLOCK, 5);
        List<dev.mmps.tensor.tt.BondPolicy> plan = RatioPlanner.plan(layout, 2, ratio, calibrated(layout, 2, ratio));
        double planned = RatioPlanner.plannedRatio(layout, plan);
        assertTrue(planned <= ratio + 1e-12, "planned " + planned + " exceeds " + ratio);
        assertTrue(onTarget(layout, planned, ratio, RATIO_SLACK), "planned " + planned + " for " + ratio + " with " + layout.spec());
    }

    /**
     * Within the slack below the target, or as close as the layout allows: every parameter count
     * is a multiple of the common divisor of the physical dimensions (28x28x1 padded to 4^5 gives
     * only multiples of 4).
     */
    static boolean onTarget(TensorLayout layout, double planned, double ratio, double slack) {
        int values = layout.shape().values();
        long params = Math.round(planned * values);
        long budget = (long) Math.floor(ratio * values + 1e-9);
        long step = 0;
        for (int d : layout.dims()) {
            step = java.math.BigInteger.valueOf(step).gcd(java.math.BigInteger.valueOf(d)).longValue();
        }
        return params >= Math.ceil(budget * (1 - slack)) || params > budget - step;
    }

    @ParameterizedTest(name = "K={0}")
    @CsvSource({"1", "2"})
    void calibratedCapsLoseLessThanUniformCapsOnImagesTheyDidNotSee(int stages) {
        ImageShape shape = new ImageShape(32, 32, 3);
        double ratio = 0.3;
        TensorLayout layout = LayoutPlanner.plan(shape, IndexOrder.BLOCK, 5);
        MmpsCodec uniform = codec(stages, new Truncation.TargetRatio(ratio));
        MmpsCodec fitted = codec(stages, new Truncation.TargetRatio(ratio, calibrated(layout, stages, ratio)));
        double uniformError = 0;
        double fittedError = 0;
        for (float[] image : images(shape, 100, 8)) {
            var u = uniform.compress(image, shape).stats();
            var f = fitted.compress(image, shape).stats();
            assertTrue(f.ratio() <= ratio + 1e-12, "achieved " + f.ratio());
            uniformError += u.relativeError() * u.relativeError();
            fittedError += f.relativeError() * f.relativeError();
        }
        assertTrue(fittedError < uniformError, "calibrated " + fittedError + " against uniform " + uniformError);
    }

    private static MmpsCodec codec(int stages, Truncation truncation) {
        return new MmpsCodec(new CompressionSpec(LayoutRequest.auto(IndexOrder.BLOCK, 5), truncation, stages),
                LowRankFactorizers.create("java-gram"));
    }

    @Test
    void calibrationsMergedFromPartsEqualOneOverAllImages() {
        TensorLayout layout = LayoutPlanner.plan(new ImageShape(32, 32, 3), IndexOrder.BLOCK, 5);
        TtSvd tt = new TtSvd(LowRankFactorizers.create("java-gram"));
        List<float[]> all = images(layout.shape(), 0, 6);
        RankProfile.Calibration whole = new RankProfile.Calibration(layout, 2, 0.3);
        RankProfile.Calibration first = new RankProfile.Calibration(layout, 2, 0.3);
        RankProfile.Calibration second = new RankProfile.Calibration(layout, 2, 0.3);
        for (int i = 0; i < all.size(); i++) {
            whole.add(all.get(i), tt);
            (i < 3 ? first : second).add(all.get(i), tt);
        }
        RankProfile merged = first.merge(second).profile();
        RankProfile expected = whole.profile();
        assertEquals(6, first.images());
        for (int s = 0; s < 2; s++) {
            assertArrayEquals(expected.weights()[s], merged.weights()[s], MERGE_TOLERANCE);
            for (int k = 0; k < expected.energy()[s].length; k++) {
                assertArrayEquals(expected.energy()[s][k], merged.energy()[s][k], MERGE_TOLERANCE);
            }
        }
    }

    @Test
    void aProfileIsRefusedForAnotherLayoutOrStageCount() {
        TensorLayout block = LayoutPlanner.plan(new ImageShape(32, 32, 3), IndexOrder.BLOCK, 5);
        TensorLayout row = LayoutPlanner.plan(new ImageShape(32, 32, 3), IndexOrder.ROW, 5);
        RankProfile profile = calibrated(block, 2, 0.3);
        var otherLayout = assertThrows(IllegalArgumentException.class, () -> RatioPlanner.plan(row, 2, 0.3, profile));
        assertTrue(otherLayout.getMessage().contains("calibrate it for this layout"), otherLayout.getMessage());
        var otherStages = assertThrows(IllegalArgumentException.class, () -> RatioPlanner.plan(block, 1, 0.3, profile));
        assertTrue(otherStages.getMessage().contains("1 stage(s)"), otherStages.getMessage());
    }

    @Test
    void calibrationNeedsSamplesOfTheLayoutShape() {
        TensorLayout layout = LayoutPlanner.plan(new ImageShape(32, 32, 3), IndexOrder.BLOCK, 5);
        var none = assertThrows(IllegalArgumentException.class,
                () -> RankProfile.calibrate(List.of(), layout, 2, 0.3, LowRankFactorizers.create("java-gram")));
        assertTrue(none.getMessage().contains("at least one sample"), none.getMessage());
        var wrong = assertThrows(IllegalArgumentException.class, () -> RankProfile.calibrate(
                List.of(new float[10]), layout, 2, 0.3, LowRankFactorizers.create("java-gram")));
        assertTrue(wrong.getMessage().contains("10"), wrong.getMessage());
    }
}
