package dev.mmps.nd4j;

import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.LowRankFactorizerProvider;

/** Registers the {@code nd4j} route: truncated factorisations from ND4J's LAPACK SVD ({@link Nd4jSvdFactorizer}). */
public final class Nd4jRoute implements LowRankFactorizerProvider {

    public static final String NAME = "nd4j";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LowRankFactorizer create() {
        return new Nd4jSvdFactorizer();
    }
}
