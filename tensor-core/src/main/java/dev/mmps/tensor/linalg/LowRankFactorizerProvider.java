package dev.mmps.tensor.linalg;

/**
 * A route that a module outside {@code tensor-core} adds to the SVD seam, found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.mmps.tensor.linalg.LowRankFactorizerProvider}): {@link LowRankFactorizers#create}
 * and the {@code compression.route} setting then know it by {@link #name}. Its factorisers fill their results
 * with {@link LowRank#fromThinSvd}, so they follow the seam's contract.
 */
public interface LowRankFactorizerProvider {

    /** The route's name, lower case, not one of {@link LowRankFactorizers#NAMES}. */
    String name();

    /**
     * A new factoriser of this route (one per thread).
     *
     * @throws IllegalStateException if the route's native library cannot load here
     */
    LowRankFactorizer create();
}
