package dev.mmps.tensor.tt;

import dev.mmps.tensor.linalg.BlasGemm;
import dev.mmps.tensor.linalg.MatrixProduct;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The stage loop of the MMPS paper's Algorithm 2, generalised to {@code K} stages: stage 1 is the
 * TT-SVD of the tensor, and each further stage the TT-SVD of the residual, the tensor minus the sum
 * of the stages so far. The sum is contracted from the float32 cores as stored, so later stages also
 * absorb the rounding of earlier ones.
 *
 * <p>Each stage's bond policy comes from a {@link StagePolicy}, which sees that stage's input: a
 * fixed list of caps (the codec), or a policy derived from the residual (an error threshold
 * relative to its norm, as rank calibration uses). Residual scratch is reused between calls. Not
 * thread-safe: holds the scratch of its TT-SVD and contractor.
 */
public final class StagedTtSvd {

    /** Chooses the bond policy of one stage from that stage's input. */
    @FunctionalInterface
    public interface StagePolicy {

        /**
         * @param stage zero-based stage index
         * @param residual the stage's input in its first {@code size} values: the tensor for stage
         *     0, what the stages before left out for the others; read it, do not modify it
         * @param size number of values of the tensor
         */
        BondPolicy choose(int stage, double[] residual, int size);

        /** The same list of policies whatever the residual: one per stage. */
        static StagePolicy fixed(List<BondPolicy> policies) {
            List<BondPolicy> copy = List.copyOf(policies);
            return (stage, residual, size) -> copy.get(stage);
        }
    }

    private final TtSvd ttSvd;
    /**
     * Contracts the stages in double precision; null when they are contracted in single precision with native
     * products, by the {@link NativeMpsSum#perThread() instance} of the thread that runs the decomposition.
     */
    private final MpsContractor contractor;
    private double[] residual = new double[0];
    private double[] sum = new double[0];
    private float[] stageValues = new float[0];
    private double residualSquaredNorm = Double.NaN;

    /**
     * @param ttSvd decomposes each stage
     * @param contractor adds each stage's tensor to the approximation, in double precision; its products decide
     *     the rounding of the residual, so callers keep the one their numbers were measured with
     */
    public StagedTtSvd(TtSvd ttSvd, MpsContractor contractor) {
        if (ttSvd == null || contractor == null) {
            throw new IllegalArgumentException("staged TT-SVD needs a TT-SVD and a contractor; pass "
                    + "new TtSvd(factorizer) and new MpsContractor(factorizer.products()), or use StagedTtSvd.forRoute");
        }
        this.ttSvd = ttSvd;
        this.contractor = contractor;
    }

    /** Contracts the stages in single precision with native products. */
    private StagedTtSvd(TtSvd ttSvd) {
        this.ttSvd = ttSvd;
        this.contractor = null;
    }

    /**
     * The stage loop of the codec and of rank calibration. A route with native products contracts each stage from
     * its float32 cores in single precision with OpenBLAS ({@link NativeMpsSum}), as a reader rebuilds the image:
     * the cores and the pixels are float32, so double precision changes the residual by no more than the pixels'
     * own rounding, at about twice the cost (BENCHMARKS.md, "Where the kernel's time goes"). A route of plain Java
     * products contracts in double precision with those products.
     */
    public static StagedTtSvd forRoute(TtSvd ttSvd) {
        if (ttSvd == null) {
            throw new IllegalArgumentException("staged TT-SVD needs a TT-SVD; pass new TtSvd(factorizer)");
        }
        MatrixProduct products = ttSvd.factorizer().products();
        return products instanceof BlasGemm ? new StagedTtSvd(ttSvd) : new StagedTtSvd(ttSvd, new MpsContractor(products));
    }

    /**
     * Decomposes {@code tensor} in {@code policies.size()} stages, one fixed policy per stage.
     *
     * @see #decompose(double[], int[], int, StagePolicy, double[])
     */
    public List<Decomposition> decompose(double[] tensor, int[] dims, List<BondPolicy> policies,
            double[] approximation) {
        if (policies == null || policies.isEmpty()) {
            throw new IllegalArgumentException("no bond policies given; pass one per stage, for example "
                    + "List.of(BondPolicy.EXACT)");
        }
        return decompose(tensor, dims, policies.size(), StagePolicy.fixed(policies), approximation);
    }

    /**
     * Decomposes {@code tensor} in {@code stages} stages.
     *
     * @param tensor row-major over {@code dims}, its first {@code prod dims} values used; not modified
     * @param stages number of stages, at least 1
     * @param policy each stage's bond policy
     * @param approximation receives the sum of the stages in its first {@code prod dims} values; null when only
     *     {@link #residualSquaredNorm()} is wanted, which spares contracting the last stage
     * @return one decomposition per stage, in order
     */
    public List<Decomposition> decompose(double[] tensor, int[] dims, int stages, StagePolicy policy,
            double[] approximation) {
        return run(tensor, dims, stages, policy, approximation, Long.MAX_VALUE);
    }

    /**
     * Decomposes {@code tensor} in {@code stages} stages unless they hold more than {@code budget}
     * values: then what is left once the stages made so far exceed it is not computed (later
     * stages, later steps of the stage at hand, the contraction). For searches that discard such
     * results.
     *
     * @return the decompositions, or empty if they would hold more than {@code budget} values (the
     *     approximation is then incomplete)
     */
    public Optional<List<Decomposition>> decomposeWithin(double[] tensor, int[] dims, int stages,
            StagePolicy policy, double[] approximation, long budget) {
        return Optional.ofNullable(run(tensor, dims, stages, policy, approximation, budget));
    }

    private List<Decomposition> run(double[] tensor, int[] dims, int stages, StagePolicy policy,
            double[] approximation, long budget) {
        int size = checkedSize(tensor, dims, stages, policy, approximation);
        ensureCapacity(size);
        boolean wanted = approximation != null;
        double[] running = wanted ? approximation : sum;
        residualSquaredNorm = Double.NaN;
        Decomposition[] decompositions = new Decomposition[stages];
        long left = budget;
        double squaredNorm = 0;
        for (int s = 0; s < stages; s++) {
            double[] input = s == 0 ? tensor : residual;
            Decomposition d = ttSvd.decomposeWithin(input, dims, policy.choose(s, input, size), left).orElse(null);
            if (d == null) {
                return null;
            }
            decompositions[s] = d;
            left -= d.mps().parameters();
            if (s == stages - 1 && !wanted) {
                // The last stage's error is what its steps discarded (their projections are orthogonal).
                squaredNorm = d.errorBound() * d.errorBound();
            } else {
                squaredNorm = contractor == null ? addStage(tensor, null, contractSingle(d.mps(), size), running, size, s == 0)
                        : addStage(tensor, contractor.contract(d.mps()), null, running, size, s == 0);
            }
        }
        residualSquaredNorm = squaredNorm;
        return List.of(decompositions);
    }

    /**
     * The squared Frobenius norm of the residual the last complete decomposition left, {@code tensor} minus the
     * sum of its stages as contracted from the stored cores, over every position of the tensor (padding
     * included); NaN before the first, or after a decomposition that exceeded its budget. Without an
     * approximation to fill, the last stage is not contracted and its part is the sum of its discarded squared
     * singular values, exact up to the float32 rounding of its cores.
     */
    public double residualSquaredNorm() {
        return residualSquaredNorm;
    }

    /**
     * Adds a stage's tensor ({@code wide}, or {@code narrow} when contracted in single precision) to the approximation
     * (sets it, for the first), and writes the residual the next stage decomposes, in one pass over the tensor; returns
     * the residual's squared norm.
     */
    private double addStage(double[] tensor, double[] wide, float[] narrow, double[] approximation, int size,
            boolean first) {
        double squaredNorm = 0;
        for (int i = 0; i < size; i++) {
            double value = narrow != null ? narrow[i] : wide[i];
            double sum = first ? value : approximation[i] + value;
            approximation[i] = sum;
            double r = tensor[i] - sum;
            residual[i] = r;
            squaredNorm += r * r;
        }
        return squaredNorm;
    }

    private float[] contractSingle(Mps mps, int size) {
        if (stageValues.length < size) {
            stageValues = new float[size];
        }
        NativeMpsSum.perThread().sum(List.of(mps), stageValues);
        return stageValues;
    }

    private static int checkedSize(double[] tensor, int[] dims, int stages, StagePolicy policy,
            double[] approximation) {
        if (stages < 1) {
            throw new IllegalArgumentException("stages=" + stages + " is invalid: a staged TT-SVD needs at least 1");
        }
        if (policy == null) {
            throw new IllegalArgumentException("stage policy is null; use StagePolicy.fixed(policies)");
        }
        if (dims == null) {
            throw new IllegalArgumentException("dimensions are null; pass the layout's core dimensions");
        }
        long size = 1;
        for (int d : dims) {
            size *= Math.max(d, 0);
        }
        if (tensor == null || tensor.length < size || approximation != null && approximation.length < size) {
            throw new IllegalArgumentException("tensor and approximation must each hold " + size + " values for "
                    + "dimensions " + Arrays.toString(dims) + ", got " + (tensor == null ? "none" : tensor.length)
                    + " and " + (approximation == null ? "none" : approximation.length));
        }
        return (int) size;
    }

    private void ensureCapacity(int size) {
        if (residual.length < size) {
            residual = new double[size];
            sum = new double[size];
        }
    }
}
