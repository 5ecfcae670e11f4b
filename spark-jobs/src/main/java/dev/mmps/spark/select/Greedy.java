package dev.mmps.spark.select;

import java.util.Arrays;
import java.util.Random;

/**
 * The two subset rules of the selection baselines on one group of images held as 8-bit feature
 * vectors ({@code n} rows of {@code d} bytes, row-major).
 * <ul>
 *   <li>{@link #random}: a seeded uniform sample without replacement.
 *   <li>{@link #kCenter}: the greedy 2-approximation of K-Center (Gonzalez): start from a seeded
 *       random image, then repeatedly add the image farthest from all images chosen so far. Each
 *       step measures every image against the newest centre only and keeps the smaller distance,
 *       {@code O(n d)} integer work, so a group costs {@code O(m n d)}.
 * </ul>
 * Distances are squared Euclidean over the bytes, exact in {@code int} up to
 * {@link #MAX_FEATURE_VALUES} values per row.
 */
public final class Greedy {

    /** Values per feature row for which a squared distance of bytes fits an {@code int}. */
    public static final int MAX_FEATURE_VALUES = Integer.MAX_VALUE / (255 * 255);

    /**
     * Picks in the order they were made.
     *
     * @param rows indices into the group, in pick order
     * @param radius for each pick, the distance (in pixel units, [0, 1] per value) from that image to
     *     the nearest earlier pick; infinite for the first. For K-Center the last is the covering
     *     radius of the picks before it; NaN for Random
     * @param coveringRadius the largest distance of any image of the group to its nearest pick, for
     *     K-Center; NaN for Random, where it is not computed
     */
    public record Picks(int[] rows, double[] radius, double coveringRadius) {}

    private Greedy() {}

    public static Picks random(int n, int m, long seed) {
        check(n, m);
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        Random random = new Random(seed);
        for (int i = 0; i < m; i++) {
            int j = i + random.nextInt(n - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        double[] radius = new double[m];
        Arrays.fill(radius, Double.NaN);
        return new Picks(Arrays.copyOf(all, m), radius, Double.NaN);
    }

    public static Picks kCenter(byte[] features, int n, int d, int m, long seed) {
        check(n, m);
        if (d < 1 || d > MAX_FEATURE_VALUES || (long) n * d != features.length) {
            throw new IllegalArgumentException(features.length + " feature bytes do not hold " + n + " rows of " + d
                    + " values (at most " + MAX_FEATURE_VALUES + ")");
        }
        int[] nearest = new int[n];
        Arrays.fill(nearest, Integer.MAX_VALUE);
        int[] rows = new int[m];
        double[] radius = new double[m];
        int next = new Random(seed).nextInt(Math.max(n, 1));
        double scale = 255.0 * 255.0;
        int farthest = m == 0 ? Integer.MAX_VALUE : 0;
        for (int k = 0; k < m; k++) {
            rows[k] = next;
            radius[k] = nearest[next] == Integer.MAX_VALUE ? Double.POSITIVE_INFINITY
                    : Math.sqrt(nearest[next] / scale);
            int centre = next * d;
            int best = -1;
            farthest = -1;
            for (int i = 0, row = 0; i < n; i++, row += d) {
                int s = nearest[i];
                if (s != 0) {
                    int dist = squaredDistance(features, row, centre, d);
                    if (dist < s) {
                        s = dist;
                        nearest[i] = s;
                    }
                }
                if (s > farthest) {
                    farthest = s;
                    best = i;
                }
            }
            nearest[next] = 0;
            if (best == next || farthest == 0) {
                // Every image coincides with a chosen one: the rest are duplicates, take them in order.
                best = firstUnchosen(nearest, rows, k + 1);
            }
            next = best;
        }
        return new Picks(rows, radius, farthest == Integer.MAX_VALUE ? Double.POSITIVE_INFINITY
                : Math.sqrt(farthest / scale));
    }

    private static int squaredDistance(byte[] x, int a, int b, int d) {
        int s = 0;
        for (int j = 0; j < d; j++) {
            int diff = (x[a + j] & 0xff) - (x[b + j] & 0xff);
            s += diff * diff;
        }
        return s;
    }

    /** The first row not yet picked (duplicates left over once every distance is zero). */
    private static int firstUnchosen(int[] nearest, int[] rows, int picked) {
        boolean[] taken = new boolean[nearest.length];
        for (int i = 0; i < picked; i++) {
            taken[rows[i]] = true;
        }
        for (int i = 0; i < nearest.length; i++) {
            if (!taken[i]) {
                return i;
            }
        }
        return 0;
    }

    private static void check(int n, int m) {
        if (m < 0 || m > n) {
            throw new IllegalArgumentException("cannot pick " + m + " of " + n + " images");
        }
    }
}
