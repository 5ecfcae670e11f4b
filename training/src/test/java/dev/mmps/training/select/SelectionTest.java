package dev.mmps.training.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.settings.ValidationException;
import dev.mmps.training.TestData;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The subsets against their definitions: budget, uniform sampling, and greedy K-Center by brute force. */
class SelectionTest {

    @Test
    void budgetBuysAsManyImagesAsTheRatioStoresValues() {
        OriginalSource sample = OriginalReader.read(TestData.cifarSample());
        assertEquals(60, Selection.budget(sample, 0.3));
        assertEquals(200, Selection.budget(sample, 1.0));
        // A ratio that buys nothing of this training set is the user's to change; one outside (0, 1] never
        // gets here (the settings refuse it), so it is the caller's mistake.
        ValidationException none = assertThrows(ValidationException.class, () -> Selection.budget(sample, 0.001));
        assertTrue(none.getMessage().contains("keeps no image"), none.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Selection.budget(sample, 1.5));
    }

    @Test
    void randomSubsetsAreDistinctSortedAndSeeded() {
        int[] a = Selection.random(1000, 300, 1);
        assertEquals(300, Arrays.stream(a).distinct().count());
        assertArrayEquals(Arrays.stream(a).sorted().toArray(), a);
        assertEquals(0, Arrays.stream(a).filter(i -> i < 0 || i >= 1000).count());
        assertArrayEquals(a, Selection.random(1000, 300, 1));
        assertFalse(Arrays.equals(a, Selection.random(1000, 300, 2)));
    }

    /** Greedy K-Center on pixels against a plain double-precision implementation of the same greedy rule. */
    /**
     * A byte budget keeps images of the seeded order while they fit: within the budget, and the next image of
     * that order would not have fitted; all when all fit; the same subset from the same seed.
     */
    @Test
    void aByteBudgetKeepsTheLongestRandomRunThatFits() {
        long[] bytes = new long[200];
        java.util.Random sizes = new java.util.Random(9);
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = 500 + sizes.nextInt(1500);
        }
        long budget = 40_000;
        int[] chosen = Selection.randomWithinBytes(bytes, budget, 3);
        long total = java.util.Arrays.stream(chosen).mapToLong(i -> bytes[i]).sum();
        assertTrue(total <= budget && chosen.length > 0, total + " bytes in " + chosen.length + " images");
        assertTrue(total + 2000 > budget || chosen.length == bytes.length, "the budget is used up to the last image");
        assertArrayEquals(chosen, Selection.randomWithinBytes(bytes, budget, 3));
        for (int i = 1; i < chosen.length; i++) {
            assertTrue(chosen[i - 1] < chosen[i], "sorted and distinct");
        }
        assertEquals(200, Selection.randomWithinBytes(bytes, Long.MAX_VALUE / 2, 3).length);
        assertEquals(0, Selection.randomWithinBytes(bytes, 499, 3).length);
    }

    @Test
    void kCenterOnPixelsPicksTheFarthestImageEachStep() {
        OriginalSource sample = OriginalReader.read(TestData.cifarSample());
        int m = 12;
        long seed = 4;
        int[] chosen = Selection.kCenter(sample, m, Selection.Features.PIXELS, null, seed);
        assertArrayEquals(bruteForce(sample, m, new Random(seed).nextInt(sample.size())), chosen);
    }

    private static int[] bruteForce(OriginalSource s, int m, int first) {
        int n = s.size();
        double[] nearest = new double[n];
        Arrays.fill(nearest, Double.POSITIVE_INFINITY);
        int[] chosen = new int[m];
        int next = first;
        for (int k = 0; k < m; k++) {
            chosen[k] = next;
            byte[] c = s.pixels(next);
            for (int i = 0; i < n; i++) {
                byte[] p = s.pixels(i);
                double d = 0;
                for (int j = 0; j < p.length; j++) {
                    double diff = ((p[j] & 0xff) - (c[j] & 0xff)) / 255.0;
                    d += diff * diff;
                }
                nearest[i] = Math.min(nearest[i], d);
            }
            int far = 0;
            for (int i = 1; i < n; i++) {
                if (nearest[i] > nearest[far]) {
                    far = i;
                }
            }
            next = far;
        }
        Arrays.sort(chosen);
        return chosen;
    }
}
