package dev.mmps.tensor.weights;

import java.util.Arrays;

/** Factoring a layer's size into the modes of a matrix product operator. */
public final class Modes {

    private Modes() {}

    /**
     * {@code n} as a product of {@code d} factors as even as the prime factors allow, larger factors in
     * the middle (784 in four modes is {@code 4, 7, 7, 4}; 10 is {@code 1, 2, 5, 1}).
     */
    public static int[] balanced(int n, int d) {
        if (n < 1 || d < 1) {
            throw new IllegalArgumentException("cannot split " + n + " into " + d + " modes: both must be at least 1");
        }
        int[] modes = new int[d];
        Arrays.fill(modes, 1);
        int rest = n;
        java.util.List<Integer> primes = new java.util.ArrayList<>();
        for (int p = 2; (long) p * p <= rest; p++) {
            while (rest % p == 0) {
                primes.add(p);
                rest /= p;
            }
        }
        if (rest > 1) {
            primes.add(rest);
        }
        // Largest primes first, each onto the currently smallest mode: a greedy balance.
        primes.sort(java.util.Comparator.reverseOrder());
        for (int p : primes) {
            int smallest = 0;
            for (int k = 1; k < d; k++) {
                if (modes[k] < modes[smallest]) {
                    smallest = k;
                }
            }
            modes[smallest] *= p;
        }
        Arrays.sort(modes);
        // Small outside, large inside: the bonds next to the ends stay small.
        int[] arranged = new int[d];
        int left = 0;
        int right = d - 1;
        for (int i = 0; i < d; i++) {
            if (i % 2 == 0) {
                arranged[left++] = modes[i];
            } else {
                arranged[right--] = modes[i];
            }
        }
        return arranged;
    }

    /** The product of the modes. */
    public static long product(int[] modes) {
        long p = 1;
        for (int m : modes) {
            p *= m;
        }
        return p;
    }

    /**
     * Checks that modes factor a layer's size.
     *
     * @param what the side, e.g. "input", for the message
     */
    public static void requireFactor(int[] modes, int size, String what) {
        if (modes == null || modes.length == 0) {
            throw new IllegalArgumentException("no " + what + " modes given for a layer of " + size);
        }
        for (int m : modes) {
            if (m < 1) {
                throw new IllegalArgumentException(what + " modes " + Arrays.toString(modes) + " are invalid: every "
                        + "mode must be at least 1");
            }
        }
        if (product(modes) != size) {
            throw new IllegalArgumentException(what + " modes " + Arrays.toString(modes) + " multiply to "
                    + product(modes) + " but the layer's " + what + " size is " + size + "; give modes whose product is "
                    + size + ", for example " + Arrays.toString(balanced(size, modes.length)));
        }
    }
}
