package dev.mmps.tensor.tt;

import java.util.Arrays;

/**
 * How the TT-SVD truncates each bond: a cap per bond, a relative error target, or both (the rank
 * is then the smaller of the two).
 *
 * <p>With an error target {@code epsilon} each bond drops the smallest singular values whose
 * squares sum to at most {@code delta^2}, {@code delta = epsilon / sqrt(n-1) * ||A||_F}
 * (Oseledets 2011, Theorem 2.2), which guarantees {@code ||A - MPS(A)||_F <= epsilon ||A||_F}.
 *
 * @param caps largest bond dimension per bond ({@code n-1} values), or null for no caps
 * @param epsilon relative Frobenius error target in (0, 1), or 0 for none
 */
public record BondPolicy(int[] caps, double epsilon) {

    /** Keeps every singular value that is not numerically zero: an exact decomposition. */
    public static final BondPolicy EXACT = new BondPolicy(null, 0);

    public BondPolicy {
        if (caps != null) {
            caps = caps.clone();
            for (int k = 0; k < caps.length; k++) {
                if (caps[k] < 1) {
                    throw new IllegalArgumentException("bond cap " + caps[k] + " at bond " + (k + 1)
                            + " is invalid: a bond dimension must be at least 1; pass a cap of 1 or more");
                }
            }
        }
        if (epsilon != 0 && !(epsilon > 0 && epsilon < 1)) {
            throw new IllegalArgumentException("error target epsilon=" + epsilon
                    + " is invalid: it must lie strictly between 0 and 1, for example 0.05");
        }
    }

    /** The same cap on every bond of an MPS with {@code cores} cores. */
    public static BondPolicy uniform(int maxBond, int cores) {
        if (maxBond < 1) {
            throw new IllegalArgumentException("max bond " + maxBond
                    + " is invalid: a bond dimension must be at least 1; pass 1 or more, for example 8");
        }
        int[] caps = new int[Math.max(0, cores - 1)];
        Arrays.fill(caps, maxBond);
        return new BondPolicy(caps, 0);
    }

    public static BondPolicy perBond(int... caps) {
        if (caps == null) {
            throw new IllegalArgumentException("bond caps are null; pass one cap per bond");
        }
        return new BondPolicy(caps, 0);
    }

    public static BondPolicy relativeError(double epsilon) {
        if (epsilon == 0) {
            throw new IllegalArgumentException("error target epsilon=0 is invalid: it must lie strictly between 0 "
                    + "and 1; for an exact decomposition use BondPolicy.EXACT");
        }
        return new BondPolicy(null, epsilon);
    }

    @Override
    public int[] caps() {
        return caps == null ? null : caps.clone();
    }

    /** Cap of bond {@code k} (zero-based), or {@link Integer#MAX_VALUE} without caps. */
    public int cap(int k) {
        return caps == null ? Integer.MAX_VALUE : caps[k];
    }

    public boolean hasErrorTarget() {
        return epsilon > 0;
    }

    void requireBonds(int bonds) {
        if (caps != null && caps.length != bonds) {
            throw new IllegalArgumentException(caps.length + " bond caps " + Arrays.toString(caps) + " given for an MPS"
                    + " with " + bonds + " bonds; pass exactly one cap per bond (cores - 1)");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BondPolicy other && Arrays.equals(caps, other.caps)
                && Double.compare(epsilon, other.epsilon) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(caps) + Double.hashCode(epsilon);
    }

    @Override
    public String toString() {
        return "BondPolicy[caps=" + Arrays.toString(caps) + ", epsilon=" + epsilon + "]";
    }
}
