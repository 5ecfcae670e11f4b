package dev.mmps.spark.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The subset rules against their definitions, checked by brute force on small random groups. */
class GreedyTest {

    /** Distances are square roots of integer sums, compared after the same conversion. */
    private static final double DISTANCE_TOLERANCE = 1e-12;

    @Test
    void kCenterPicksTheFarthestImageEachTimeAndReportsTheExactCoveringRadius() {
        Random random = new Random(7);
        int n = 60;
        int d = 12;
        byte[] x = new byte[n * d];
        random.nextBytes(x);
        Greedy.Picks picks = Greedy.kCenter(x, n, d, 9, 3);

        assertEquals(9, new HashSet<>(Arrays.stream(picks.rows()).boxed().toList()).size(), "distinct picks");
        assertEquals(Double.POSITIVE_INFINITY, picks.radius()[0]);
        for (int k = 1; k < 9; k++) {
            int[] before = Arrays.copyOf(picks.rows(), k);
            double farthest = 0;
            for (int i = 0; i < n; i++) {
                farthest = Math.max(farthest, nearest(x, d, i, before));
            }
            assertEquals(farthest, nearest(x, d, picks.rows()[k], before), DISTANCE_TOLERANCE,
                    "pick " + k + " is an image farthest from the picks before it");
            assertEquals(farthest, picks.radius()[k], DISTANCE_TOLERANCE, "radius of pick " + k);
        }
        double covering = 0;
        for (int i = 0; i < n; i++) {
            covering = Math.max(covering, nearest(x, d, i, picks.rows()));
        }
        assertEquals(covering, picks.coveringRadius(), DISTANCE_TOLERANCE);
        assertTrue(covering <= picks.radius()[8], "adding a centre never widens the cover");
    }

    @Test
    void kCenterIsWithinTwiceTheBestCoverOnASmallGroup() {
        Random random = new Random(11);
        int n = 12;
        int d = 3;
        byte[] x = new byte[n * d];
        random.nextBytes(x);
        int m = 3;
        double best = Double.MAX_VALUE;
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                for (int c = b + 1; c < n; c++) {
                    double cover = 0;
                    for (int i = 0; i < n; i++) {
                        cover = Math.max(cover, nearest(x, d, i, new int[] {a, b, c}));
                    }
                    best = Math.min(best, cover);
                }
            }
        }
        for (long seed = 0; seed < 5; seed++) {
            double greedy = Greedy.kCenter(x, n, d, m, seed).coveringRadius();
            assertTrue(greedy <= 2 * best + DISTANCE_TOLERANCE, "seed " + seed + ": " + greedy + " against " + best);
        }
    }

    @Test
    void duplicatesAreTakenOnceTheDistinctImagesAreCovered() {
        byte[] x = {0, 0, 0, 0, 9, 9};
        Greedy.Picks picks = Greedy.kCenter(x, 3, 2, 3, 1);
        assertEquals(Set.of(0, 1, 2), new HashSet<>(Arrays.stream(picks.rows()).boxed().toList()));
        assertEquals(0.0, picks.coveringRadius());
    }

    @Test
    void randomIsASeededSampleWithoutReplacement() {
        Greedy.Picks a = Greedy.random(1000, 300, 5);
        assertEquals(300, new HashSet<>(Arrays.stream(a.rows()).boxed().toList()).size());
        assertArrayEquals(a.rows(), Greedy.random(1000, 300, 5).rows());
        assertNotEquals(Arrays.toString(a.rows()), Arrays.toString(Greedy.random(1000, 300, 6).rows()));
        assertTrue(Double.isNaN(a.coveringRadius()));
    }

    @Test
    void sharesAddUpToTheBudgetInProportionToTheGroups() {
        Map<Integer, Long> sizes = new TreeMap<>(Map.of(0, 3334L, 1, 3333L, 2, 3333L));
        Map<Integer, Integer> quotas = SelectJob.quotas(sizes, 1000);
        assertEquals(1000, quotas.values().stream().mapToInt(Integer::intValue).sum());
        assertEquals(Map.of(0, 334, 1, 333, 2, 333), quotas);
        Map<Integer, Integer> small = SelectJob.quotas(new TreeMap<>(Map.of(0, 1L, 1, 1L, 2, 1L)), 2);
        assertEquals(2, small.values().stream().mapToInt(Integer::intValue).sum());
        assertTrue(small.values().stream().allMatch(q -> q <= 1), small.toString());
    }

    @Test
    void badRequestsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Greedy.random(3, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> Greedy.kCenter(new byte[5], 2, 3, 1, 1));
    }

    /** Distance in pixel units from row {@code i} to the nearest of {@code centres}, by its definition. */
    private static double nearest(byte[] x, int d, int i, int[] centres) {
        double best = Double.MAX_VALUE;
        for (int c : centres) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                double diff = ((x[i * d + j] & 0xff) - (x[c * d + j] & 0xff)) / 255.0;
                s += diff * diff;
            }
            best = Math.min(best, Math.sqrt(s));
        }
        return best;
    }
}
