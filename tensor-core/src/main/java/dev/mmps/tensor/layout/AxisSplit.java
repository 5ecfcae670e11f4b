package dev.mmps.tensor.layout;

import java.util.Arrays;

/**
 * Splits an image axis (a height or a width) into a given number of factors for the cores,
 * padding it where its own size factors badly (a prime, say).
 *
 * <p>The rule: take the smallest padded size, not below the axis, that splits into the wanted
 * number of factors each between 2 and {@code ceil(2 * size^(1/parts))}, padding by less than a
 * factor of two; among the splits of that size take the most balanced one. Balanced splits keep
 * every bond's natural maximum (paper Eq. 2) moderate; the bound on the largest factor keeps one
 * core from swallowing the axis. Axes too short even for that get factors of 1.
 */
final class AxisSplit {

    private AxisSplit() {}

    /** Factors in coarse-to-fine order, largest first; their product is the padded size. */
    static int[] split(int size, int parts) {
        if (parts == 1) {
            return new int[] {size};
        }
        int limit = Math.max(2, (int) Math.ceil(2 * Math.pow(size, 1.0 / parts) - 1e-9));
        if (2L * size >= 1L << parts) {
            for (int padded = size; padded <= 2 * size; padded++) {
                int[] best = balanced(padded, parts, limit);
                if (best != null) {
                    return best;
                }
            }
        }
        return withOnes(size, parts);
    }

    /** The most balanced split of {@code n} into {@code parts} factors in [2, limit], or null. */
    private static int[] balanced(int n, int parts, int limit) {
        int[] current = new int[parts];
        int[][] best = {null};
        search(n, parts, 0, Math.min(limit, n), current, best);
        return best[0];
    }

    private static void search(int remaining, int parts, int index, int maxFactor, int[] current, int[][] best) {
        if (index == parts - 1) {
            if (remaining >= 2 && remaining <= maxFactor) {
                current[index] = remaining;
                if (best[0] == null || moreBalanced(current, best[0])) {
                    best[0] = current.clone();
                }
            }
            return;
        }
        for (int f = maxFactor; f >= 2; f--) {
            if (remaining % f == 0) {
                current[index] = f;
                search(remaining / f, parts, index + 1, f, current, best);
            }
        }
    }

    /** Factors are non-increasing; smaller largest factor wins, then larger smallest factor. */
    private static boolean moreBalanced(int[] a, int[] b) {
        if (a[0] != b[0]) {
            return a[0] < b[0];
        }
        return a[a.length - 1] > b[b.length - 1];
    }

    /** Prime factors, largest first, merged or padded with ones to the wanted count. */
    private static int[] withOnes(int size, int parts) {
        int[] primes = new int[32];
        int count = 0;
        int rest = size;
        for (int p = 2; (long) p * p <= rest; p++) {
            while (rest % p == 0) {
                primes[count++] = p;
                rest /= p;
            }
        }
        if (rest > 1) {
            primes[count++] = rest;
        }
        int[] factors = new int[parts];
        Arrays.fill(factors, 1);
        // Deal the prime factors, largest first, onto the currently smallest slot.
        int[] sorted = Arrays.copyOf(primes, count);
        Arrays.sort(sorted);
        for (int i = sorted.length - 1; i >= 0; i--) {
            int slot = 0;
            for (int s = 1; s < parts; s++) {
                if (factors[s] < factors[slot]) {
                    slot = s;
                }
            }
            factors[slot] *= sorted[i];
        }
        Integer[] boxed = Arrays.stream(factors).boxed().toArray(Integer[]::new);
        Arrays.sort(boxed, (x, y) -> y - x);
        return Arrays.stream(boxed).mapToInt(Integer::intValue).toArray();
    }
}
