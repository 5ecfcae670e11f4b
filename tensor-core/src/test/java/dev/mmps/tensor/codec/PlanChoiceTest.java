package dev.mmps.tensor.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.mmps.tensor.TestImages;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.IndexOrder;
import dev.mmps.tensor.layout.LayoutPlanner;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.tt.BondPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The planner's choice, made as plans arrive, against the rule rendered by brute force: every plan
 * kept, the least loss found over all of them, then each clause of the rule applied in turn.
 */
class PlanChoiceTest {

    /** The rule as RatioPlanner's class comment states it, over every plan offered. */
    static final class BruteForce implements PlanRule {
        private record Plan(int first, int second, long total, double loss, long firstParams) {}

        private final long budget;
        private final long floor;
        private final boolean calibrated;
        private final List<Plan> plans = new ArrayList<>();

        BruteForce(long budget, long floor, boolean calibrated, double ignoredLeastLoss) {
            this.budget = budget;
            this.floor = floor;
            this.calibrated = calibrated;
        }

        @Override
        public void offer(int first, int second, long total, double loss, long firstParams) {
            plans.add(new Plan(first, second, total, loss, firstParams));
        }

        @Override
        public int[] chosen() {
            if (plans.isEmpty()) {
                return null;
            }
            Plan p = calibrated ? calibratedChoice() : uniformChoice();
            return new int[] {p.first, p.second};
        }

        private boolean onTarget(Plan p) {
            return p.total >= floor && p.total <= budget;
        }

        private Plan calibratedChoice() {
            double least = plans.stream().mapToDouble(Plan::loss).min().orElseThrow();
            double acceptable = least * (1 + PlanChoice.LOSS_TOLERANCE) + PlanChoice.LOSS_EPSILON;
            Plan fullest = null;
            for (Plan p : plans) {
                if (p.loss <= acceptable && (fullest == null || p.total > fullest.total
                        || (p.total == fullest.total && p.loss < fullest.loss))) {
                    fullest = p;
                }
            }
            Plan inside = null;
            for (Plan p : plans) {
                if (onTarget(p) && (inside == null || p.loss < inside.loss)) {
                    inside = p;
                }
            }
            return inside != null
                    && inside.loss <= fullest.loss * (1 + PlanChoice.SLACK_LOSS_TOLERANCE) + PlanChoice.LOSS_EPSILON
                    ? inside : fullest;
        }

        private Plan uniformChoice() {
            Plan best = null;
            for (Plan p : plans) {
                if (best == null || preferable(p, best)) {
                    best = p;
                }
            }
            return best;
        }

        private boolean preferable(Plan p, Plan incumbent) {
            if (onTarget(p) != onTarget(incumbent)) {
                return onTarget(p);
            }
            if (onTarget(p) && p.loss != incumbent.loss) {
                return p.loss < incumbent.loss;
            }
            if (p.total != incumbent.total) {
                return p.total > incumbent.total;
            }
            if (p.loss != incumbent.loss) {
                return p.loss < incumbent.loss;
            }
            return p.firstParams > incumbent.firstParams;
        }
    }

    /**
     * Random streams with many ties (losses and sizes from small sets) and losses that shrink late,
     * so that plans inside the tolerance early fall out of it.
     */
    @Test
    void onRandomStreamsTheRunningChoiceEqualsTheBruteForceOne() {
        Random random = new Random(11);
        for (int trial = 0; trial < 4000; trial++) {
            long budget = 100 + random.nextInt(50);
            long floor = budget - random.nextInt(5);
            boolean calibrated = random.nextBoolean();
            int count = 1 + random.nextInt(trial % 2 == 0 ? 8 : 300);
            long[] totals = new long[count];
            double[] losses = new double[count];
            long[] firsts = new long[count];
            int levels = 1 + random.nextInt(20);
            for (int i = 0; i < count; i++) {
                totals[i] = budget - random.nextInt(12);
                double shrink = 1 - 0.3 * i / count;
                losses[i] = random.nextInt(4) == 0 ? 0 : (1 + random.nextInt(levels)) * 0.01 * shrink;
                firsts[i] = random.nextInt((int) totals[i] + 1);
            }
            double least = Double.MAX_VALUE;
            for (double l : losses) {
                least = Math.min(least, l);
            }
            PlanRule running = new PlanChoice(budget, floor, calibrated, least);
            PlanRule brute = new BruteForce(budget, floor, calibrated, least);
            for (int i = 0; i < count; i++) {
                running.offer(i, i % 7, totals[i], losses[i], firsts[i]);
                brute.offer(i, i % 7, totals[i], losses[i], firsts[i]);
            }
            assertArrayEquals(brute.chosen(), running.chosen(), "trial " + trial);
        }
        assertNull(new PlanChoice(10, 9, true, Double.MAX_VALUE).chosen());
    }

    static Stream<Arguments> layouts() {
        ImageShape[] shapes = {
            new ImageShape(32, 32, 3), new ImageShape(28, 28, 1), new ImageShape(17, 23, 3), new ImageShape(64, 48, 3)
        };
        return Stream.of(shapes).flatMap(s -> Stream.of(IndexOrder.values()).flatMap(o -> Stream.of(4, 5)
                .flatMap(cores -> Stream.of(1, 2).map(k -> Arguments.of(s, o, cores, k)))));
    }

    @ParameterizedTest(name = "{0} {1} cores={2} K={3}")
    @MethodSource("layouts")
    void thePlannerPlansAsTheBruteForceRuleDoes(ImageShape shape, IndexOrder order, int cores, int stages) {
        TensorLayout layout = LayoutPlanner.plan(shape, order, cores);
        List<float[]> samples = IntStream.range(0, 3).mapToObj(seed -> TestImages.natural(shape, seed)).toList();
        for (double ratio : new double[] {0.05, 0.1, 0.3, 0.5, 0.7, 0.9}) {
            try {
                RatioPlanner.plan(layout, stages, ratio);
            } catch (IllegalArgumentException unreachable) {
                continue;
            }
            RankProfile uniform = RankProfile.uniform(layout, stages);
            RankProfile calibrated = RankProfile.calibrate(samples, layout, stages, ratio,
                    LowRankFactorizers.create("java-gram"));
            for (RankProfile profile : List.of(uniform, calibrated)) {
                List<BondPolicy> expected = RatioPlanner.plan(layout, stages, ratio, profile, BruteForce::new);
                assertEquals(expected, RatioPlanner.plan(layout, stages, ratio, profile),
                        layout.spec() + " rho=" + ratio + (profile.calibrated() ? " calibrated" : " uniform"));
            }
        }
    }
}
