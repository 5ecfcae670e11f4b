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
     * @param count number of singular values available (the smaller side of the matrix)
     * @param totalEnergy {@code ||A||_F^2}, the sum of all squared singular values
     * @return the rank to keep, {@code 1 <= rank <= count}
     */
    int select(double[] sigmaSquared, int count, double totalEnergy);
}
