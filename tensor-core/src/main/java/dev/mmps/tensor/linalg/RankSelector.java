package dev.mmps.tensor.linalg;

/**
 * Chooses how many singular directions a truncated factorisation keeps.
 *
 * <p>Implementations see the squared singular values in descending order and the total energy
 * {@code ||A||_F^2}; they return a rank between 1 and {@code count}.
 */
@FunctionalInterface
public interface RankSelector {

    /**
     * @param sigmaSquared squared singular values, descending; entries past {@code count} are unused
     * @param count number of singular values available: the smaller side of the matrix, or fewer when a route
     *     computed only the leading ones (never fewer than {@link #limit})
     * @param totalEnergy {@code ||A||_F^2}, the sum of all squared singular values (also of those not passed)
     * @return the rank to keep, {@code 1 <= rank <= count}
     */
    int select(double[] sigmaSquared, int count, double totalEnergy);

    /**
     * The largest rank {@link #select} can return for a matrix whose smaller side is {@code count}. A route
     * that computes only the leading part of the spectrum ({@link RandomizedFactorizer}) needs this bound
     * before it sees any singular value, and uses the exact route when the bound is {@code count}, as it is
     * for every rule that reads the tail of the spectrum (energy or error targets).
     */
    default int limit(int count) {
        return count;
    }

    /**
     * The energy rule: the smallest rank whose leading squared singular values hold a fraction
     * {@code tau} of {@code ||A||_F^2} (all of them if rounding keeps the sum just short).
     *
     * @param tau the fraction of energy to keep, in (0, 1]
     */
    static RankSelector energy(double tau) {
        if (!(tau > 0 && tau <= 1)) {
            throw new IllegalArgumentException("energy threshold " + tau + " is invalid: it must lie in (0, 1], for "
                    + "example 0.9 to keep 90% of the squared Frobenius norm");
        }
        return (sigma, count, total) -> {
            double kept = 0;
            for (int r = 0; r < count; r++) {
                kept += sigma[r];
                if (kept >= tau * total) {
                    return r + 1;
                }
            }
            return count;
        };
    }

    /** At most {@code rank} directions (fewer when the matrix has fewer). */
    static RankSelector atMost(int rank) {
        return bounded(rank, (sigma, count, total) -> count);
    }

    /**
     * {@code rule}, never above {@code cap}: a rule that reads only the leading {@code cap} singular values
     * (for example a cap with a negligible-value cut), so routes may compute no more than those.
     *
     * @param cap at least 1; {@link Integer#MAX_VALUE} for no cap
     */
    static RankSelector bounded(int cap, RankSelector rule) {
        if (cap < 1) {
            throw new IllegalArgumentException("rank " + cap + " is invalid: keep at least 1 direction");
        }
        return new RankSelector() {
            @Override
            public int select(double[] sigmaSquared, int count, double totalEnergy) {
                return Math.max(1, Math.min(cap, rule.select(sigmaSquared, count, totalEnergy)));
            }

            @Override
            public int limit(int count) {
                return Math.min(cap, count);
            }
        };
    }
}
