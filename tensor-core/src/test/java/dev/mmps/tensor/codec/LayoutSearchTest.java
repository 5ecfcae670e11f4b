package dev.mmps.tensor.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.TestImages;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.IndexOrder;
import dev.mmps.tensor.layout.LayoutPlanner;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The layout chosen by measuring a sample. */
class LayoutSearchTest {

    private static final ImageShape CIFAR = new ImageShape(32, 32, 3);
    /**
     * Squared error per value of a decomposition that is exact but for float32 cores: a few
     * roundings of unit roundoff 6e-8 on values of order 1.
     */
    private static final double EXACT_MSE = 1e-12;
    /** Squared error per value that no exact decomposition comes near. */
    private static final double LOSSY_MSE = 1e-5;

    private static List<float[]> natural(ImageShape shape, int count) {
        return IntStream.range(0, count).mapToObj(seed -> TestImages.natural(shape, seed)).toList();
    }

    /**
     * {@code u(y) v(x)} with random {@code u} and {@code v}: in row order the bond between the
     * height and the width cores has rank 1 and the others at most the factors beside them, so the
     * image is exact within a small budget; in block order every core mixes bits of both, the middle
     * bonds need rank up to 16, and the same budget loses much of it.
     */
    private static float[] separable(ImageShape shape, long seed) {
        Random random = new Random(seed);
        double[] u = random.doubles(shape.height()).toArray();
        double[] v = random.doubles(shape.width()).toArray();
        float[] p = new float[shape.values()];
        for (int y = 0; y < shape.height(); y++) {
            for (int x = 0; x < shape.width(); x++) {
                p[y * shape.width() + x] = (float) (u[y] * v[x]);
            }
        }
        return p;
    }

    private static LayoutSearch.Result choose(List<float[]> samples, ImageShape shape, double ratio) {
        return LayoutSearch.choose(samples, shape, 2, ratio, () -> LowRankFactorizers.create("auto"));
    }

    @Test
    void rowOrderIsChosenForImagesExactlyLowRankInRowOrder() {
        ImageShape shape = new ImageShape(32, 32, 1);
        List<float[]> samples = IntStream.range(0, 6).mapToObj(s -> separable(shape, s)).toList();
        LayoutSearch.Result result = choose(samples, shape, 0.2);

        assertEquals(IndexOrder.ROW, result.layout().order(), result.scores().toString());
        LayoutSearch.Score chosen = score(result, result.layout().spec());
        LayoutSearch.Score block = score(result, LayoutPlanner.plan(shape).spec());
        assertTrue(chosen.meanSquaredError() < EXACT_MSE, chosen.toString());
        assertTrue(block.meanSquaredError() > LOSSY_MSE, block.toString());
        for (LayoutSearch.Score s : result.scores()) {
            assertTrue(chosen.meanSquaredError() <= s.meanSquaredError(), "the least error wins: " + s);
        }
    }

    private static LayoutSearch.Score score(LayoutSearch.Result result, String spec) {
        return result.scores().stream().filter(s -> s.layout().equals(spec)).findFirst().orElseThrow();
    }

    @Test
    void theChoiceAndTheProfileDoNotDependOnTheNumberOfThreads() throws Exception {
        List<float[]> samples = natural(CIFAR, 12);
        LayoutSearch.Result one = inPool(1, samples);
        LayoutSearch.Result two = inPool(2, samples);
        LayoutSearch.Result four = inPool(4, samples);
        for (LayoutSearch.Result other : List.of(two, four)) {
            assertEquals(one.layout(), other.layout());
            assertEquals(one.profile(), other.profile());
            assertEquals(one.scores(), other.scores());
            assertEquals(one.unreachable(), other.unreachable());
        }
    }

    private static LayoutSearch.Result inPool(int threads, List<float[]> samples) throws Exception {
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            return pool.submit(() -> choose(samples, CIFAR, 0.3)).get();
        } finally {
            pool.shutdown();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"java-gram", "auto"})
    void theProfileReturnedIsTheJobsCalibrationOfTheChosenLayout(String route) {
        List<float[]> samples = natural(CIFAR, 10);
        LayoutSearch.Result result = LayoutSearch.choose(samples, CIFAR, 2, 0.3,
                () -> LowRankFactorizers.create(route));
        RankProfile direct = RankProfile.calibrate(samples, result.layout(), 2, 0.3, LowRankFactorizers.create(route));
        assertEquals(direct, result.profile());
        assertEquals(samples.size(), result.images());
        assertEquals(LayoutSearch.Screening.of(CIFAR), result.screening());
    }

    @Test
    void aFullScreeningChoosesWithTheJobsProfilesAndKeepsTheWinnersOne() {
        List<float[]> samples = natural(CIFAR, 6);
        LayoutSearch.Result result = LayoutSearch.choose(samples, CIFAR, 2, 0.3, LayoutSearch.candidates(CIFAR),
                LayoutSearch.Screening.full(samples.size()), () -> LowRankFactorizers.create("auto"));
        assertEquals(RankProfile.calibrate(samples, result.layout(), 2, 0.3, LowRankFactorizers.create("auto")),
                result.profile());
        assertEquals(LayoutSearch.Screening.full(6), result.screening());
    }

    @Test
    void screeningImagesFollowTheImageSize() {
        assertEquals(new LayoutSearch.Screening(8, 8), LayoutSearch.Screening.of(CIFAR));
        assertEquals(new LayoutSearch.Screening(8, 8), LayoutSearch.Screening.of(new ImageShape(28, 28, 1)));
        assertEquals(new LayoutSearch.Screening(8, 6), LayoutSearch.Screening.of(new ImageShape(64, 64, 1)));
        assertEquals(new LayoutSearch.Screening(8, 4), LayoutSearch.Screening.of(new ImageShape(224, 224, 3)));
        var bad = assertThrows(IllegalArgumentException.class, () -> new LayoutSearch.Screening(0, 8));
        assertTrue(bad.getMessage().contains("steps 0"), bad.getMessage());
    }

    @Test
    void candidatesTheRatioCannotReachAreSkipped() {
        List<float[]> samples = natural(CIFAR, 4);
        // One bond of dimension 1 already stores 1024 + 3 values a stage: 0.67 of the image for two.
        TensorLayout wide = TensorLayout.parse("row:1024,3", CIFAR);
        TensorLayout planned = LayoutPlanner.plan(CIFAR);
        LayoutSearch.Result result = LayoutSearch.choose(samples, CIFAR, 2, 0.3, List.of(wide, planned),
                () -> LowRankFactorizers.create("auto"));
        assertEquals(planned, result.layout());
        assertEquals(List.of("row:1024,3"), result.unreachable());
        assertEquals(1, result.scores().size());

        var none = assertThrows(IllegalArgumentException.class, () -> LayoutSearch.choose(samples, CIFAR, 2, 0.3,
                List.of(wide), () -> LowRankFactorizers.create("auto")));
        assertTrue(none.getMessage().contains("ratio 0.3") && none.getMessage().contains("32x32x3"), none.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"32x32x3", "28x28x1", "224x224x3", "17x23x3", "1x1x1", "2x3x1", "64x48x3"})
    void candidatesStartWithTheDefaultAndTryBothOrders(String text) {
        ImageShape shape = ImageShape.parse(text);
        List<TensorLayout> candidates = LayoutSearch.candidates(shape);
        assertEquals(LayoutPlanner.plan(shape), candidates.get(0));
        assertEquals(candidates.size(), new HashSet<>(candidates.stream().map(TensorLayout::spec).toList()).size());
        for (TensorLayout c : candidates) {
            assertEquals(shape, c.shape());
        }
        if (shape.values() >= 16) {
            assertTrue(candidates.stream().anyMatch(c -> c.order() == IndexOrder.ROW), candidates.toString());
            assertTrue(candidates.stream().anyMatch(c -> c.cores() == 4), candidates.toString());
        }
    }

    @Test
    void cifarCandidatesHoldTheLayoutsMeasuredBest() {
        List<String> specs = LayoutSearch.candidates(CIFAR).stream().map(TensorLayout::spec).toList();
        assertTrue(specs.contains("block:8x8,2x2,2x2,1x1x3"), specs.toString());
        assertTrue(specs.contains("row:4,8,8,4,3"), specs.toString());
    }

    @Test
    void misuseIsRefusedWithTheRule() {
        var empty = assertThrows(IllegalArgumentException.class, () -> choose(List.of(), CIFAR, 0.3));
        assertTrue(empty.getMessage().contains("at least one sample"), empty.getMessage());
        var otherShape = assertThrows(IllegalArgumentException.class, () -> LayoutSearch.choose(natural(CIFAR, 2),
                CIFAR, 2, 0.3, List.of(LayoutPlanner.plan(new ImageShape(28, 28, 1))),
                () -> LowRankFactorizers.create("auto")));
        assertTrue(otherShape.getMessage().contains("another shape"), otherShape.getMessage());
        var badRatio = assertThrows(IllegalArgumentException.class, () -> choose(natural(CIFAR, 2), CIFAR, 1.5));
        assertTrue(badRatio.getMessage().contains("(0, 1]"), badRatio.getMessage());
    }
}
