package dev.mmps.tensor.linalg;

/**
 * Picks the faster route per matrix: plain Java below a size threshold, where native call
 * overhead would dominate, native LAPACK above it. The threshold is measured (BENCHMARKS.md,
 * "SVD routes").
 */
final class AutoFactorizer implements LowRankFactorizer, AutoCloseable {

    /** Gram order (smaller side of the unfolding) from which the native route is used. */
    static final int NATIVE_FROM_ORDER = 96;

    private final GramFactorizer small = new GramFactorizer();
    private final LowRankFactorizer large;

    AutoFactorizer(LowRankFactorizer large) {
        this.large = large;
    }

    @Override
    public String name() {
        return "auto";
    }

    @Override
    public void factor(double[] a, int rows, int cols, RankSelector selector, LowRank out) {
        if (Math.min(rows, cols) >= NATIVE_FROM_ORDER) {
            large.factor(a, rows, cols, selector, out);
        } else {
            small.factor(a, rows, cols, selector, out);
        }
    }

    @Override
    public void close() throws Exception {
        if (large instanceof AutoCloseable c) {
            c.close();
        }
    }
}
