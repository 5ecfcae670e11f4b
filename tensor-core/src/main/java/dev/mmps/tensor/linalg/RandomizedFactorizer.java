package dev.mmps.tensor.linalg;

import java.util.SplittableRandom;

/**
 * Truncated factorisation by a randomized range finder (Halko, Martinsson and Tropp 2011, Algorithms
 * 4.3-4.4 and 5.1) when the rank is capped well below the smaller side of the matrix, the exact Gram route
 * otherwise.
 *
 * <p>With {@code l = cap + oversampling} columns, the wanted side's basis is sketched as
 * {@code Y = op(A) Omega} for a Gaussian {@code Omega}, sharpened by power iterations
 * ({@code Y <- op(A) op(A)^T Y}, each factor orthonormalised), and orthonormalised to {@code Q}. Then
 * {@code B = Q^T op(A)} is small ({@code l} rows), the eigenvectors {@code S} of {@code B B^T} give the
 * leading singular directions within the range of {@code Q}, and the basis is {@code Q S}. This costs about
 * {@code 2 q + 2} passes over the matrix with {@code l} columns, orthonormalisations of {@code l} columns and
 * an eigenproblem of order {@code l},
 * where the Gram route needs a product with all {@code min(rows, cols)} columns and an eigenproblem of that
 * order: it pays when the cap is a small part of the smaller side (BENCHMARKS.md, "Where the kernel's time
 * goes").
 *
 * <p>The spectrum it reports holds the leading {@code l} values only, and the discarded energy is what the
 * kept directions leave of {@code ||A||_F^2}, exactly. It sketches only for rank rules that say they never
 * exceed a cap ({@link RankSelector#limit}); rules that read the tail of the spectrum (energy or error
 * targets) go to the exact route. {@code Omega} depends only on its shape, so the factors are a function of
 * the input. Results differ from the exact routes' by what the sketch misses (RandomizedFactorizerTest bounds
 * it); a rank profile calibrated through this route sees only the leading spectrum at the steps it sketches,
 * which happens only in calibration's fallback to bond dimension 1. Not thread-safe.
 */
public final class RandomizedFactorizer implements LowRankFactorizer, AutoCloseable {

    /** Columns sketched beyond the cap, by default. */
    public static final int OVERSAMPLING = 8;
    /**
     * Power iterations, by default: the steps that sketch on images are second-stage residuals, whose spectra
     * are nearly flat; with one iteration they lost up to 0.09 dB of PSNR, with two at most 0.04.
     */
    public static final int POWER_ITERATIONS = 2;
    /**
     * Sketch only when {@code cap + oversampling} is at most this fraction of the smaller side. Forming the Gram
     * matrix costs {@code large x small^2} multiply-adds and an eigenproblem of order {@code small}; the sketch
     * about {@code (2 q + 3) x large x small x l} and one of order {@code l}. Measured on image unfoldings with
     * two power iterations: at {@code l / small} of 0.11-0.16 the sketch ran 1.3-2.0x faster than the Gram
     * route, at 0.37-0.49 about 2x slower (BENCHMARKS.md, "Where the kernel's time goes").
     */
    public static final double LARGEST_SKETCH_FRACTION = 0.2;

    private static final long SEED = 0x6d6d70735f72616eL;

    private final String name;
    private final MatrixProduct gemm;
    private final LowRankFactorizer exact;
    private final SymmetricEigensolver smallEigen;
    private final SymmetricEigensolver largeEigen;
    private final int largeFromOrder;
    private final int oversampling;
    private final int powerIterations;
    private final Orthonormalizer orthonormalizer = new Orthonormalizer();
    private double[] omega = new double[0];
    private int omegaRows;
    private int omegaCols;
    private double[] sketch = new double[0];
    private double[] basis = new double[0];
    private double[] other = new double[0];
    private double[] otherBasis = new double[0];
    private double[] gram = new double[0];
    private double[] vectors = new double[0];

    /**
     * @param name the route name
     * @param products the matrix products of the sketch
     * @param exact the route for matrices the sketch does not pay on
     * @param smallEigen eigensolver of {@code B B^T} below {@code largeFromOrder}
     * @param largeEigen eigensolver from {@code largeFromOrder} up
     * @param oversampling columns sketched beyond the cap, at least 0
     * @param powerIterations power iterations, at least 0
     */
    public RandomizedFactorizer(String name, MatrixProduct products, LowRankFactorizer exact,
            SymmetricEigensolver smallEigen, SymmetricEigensolver largeEigen, int largeFromOrder, int oversampling,
            int powerIterations) {
        if (oversampling < 0 || powerIterations < 0) {
            throw new IllegalArgumentException("oversampling " + oversampling + " and power iterations "
                    + powerIterations + " are invalid: both must be 0 or more, for example 8 and 1");
        }
        this.oversampling = oversampling;
        this.powerIterations = powerIterations;
        this.name = name;
        this.gemm = products;
        this.exact = exact;
        this.smallEigen = smallEigen;
        this.largeEigen = largeEigen;
        this.largeFromOrder = largeFromOrder;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public MatrixProduct products() {
        return gemm;
    }

    @Override
    public void factor(double[] a, int rows, int cols, RankSelector selector, LowRank out) {
        if (!sketched(a, rows, cols, true, selector, out)) {
            exact.factor(a, rows, cols, selector, out);
        }
    }

    @Override
    public void factorRight(double[] a, int rows, int cols, RankSelector selector, LowRank out) {
        if (!sketched(a, rows, cols, false, selector, out)) {
            exact.factorRight(a, rows, cols, selector, out);
        }
    }

    /** Whether a sketch of {@code width} columns pays for a matrix whose smaller side is {@code small}. */
    static boolean pays(int width, int small) {
        return width <= LARGEST_SKETCH_FRACTION * small;
    }

    /**
     * Factors through the sketch from the left ({@code op(A) = A}, basis of the column space) or the right
     * ({@code op(A) = A^T}); returns false, doing nothing, when the sketch would not pay.
     */
    private boolean sketched(double[] a, int rows, int cols, boolean left, RankSelector selector, LowRank out) {
        int small = Math.min(rows, cols);
        int width = selector.limit(small) + oversampling;
        if (!pays(width, small)) {
            return false;
        }
        out.prepare(rows, cols);
        double total = DenseKernels.sumOfSquares(a, rows * cols);
        if (total == 0) {
            ZeroMatrix.factor(rows, cols, left ? rows : cols, selector, out);
            return true;
        }
        int basisRows = left ? rows : cols;
        int otherRows = left ? cols : rows;
        ensureCapacity(basisRows, otherRows, width);
        gemm.pin(a, rows * cols);
        try {
            // Q: an orthonormal basis of (op(A) op(A)^T)^q op(A) Omega.
            gemm.multiply(a, !left, omega(otherRows, width), false, basisRows, width, otherRows, sketch);
            for (int i = 0; i < powerIterations; i++) {
                orthonormalizer.orthonormalize(gemm, sketch, basisRows, width, basis);
                gemm.multiply(a, left, basis, false, otherRows, width, basisRows, other);
                orthonormalizer.orthonormalize(gemm, other, otherRows, width, otherBasis);
                gemm.multiply(a, !left, otherBasis, false, basisRows, width, otherRows, sketch);
            }
            // Twice: a basis the Cholesky route accepts can still be a little off orthogonal, and a second
            // pass costs one small product; U's orthonormality rests on Q's.
            orthonormalizer.orthonormalize(gemm, sketch, basisRows, width, basis);
            System.arraycopy(basis, 0, sketch, 0, basisRows * width);
            orthonormalizer.orthonormalize(gemm, sketch, basisRows, width, basis);
            // B^T = op(A)^T Q, and the leading eigenvectors S of B B^T.
            gemm.multiply(a, left, basis, false, otherRows, width, basisRows, other);
            gemm.multiply(other, true, other, false, width, width, otherRows, gram);
            SymmetricEigensolver eigen = width >= largeFromOrder ? largeEigen : smallEigen;
            if (!eigen.eigenvalues(gram, width, out.sigmaSquared, selector.limit(width))) {
                throw new ArithmeticException(
                        "symmetric eigensolver did not converge on a " + width + "x" + width + " sketch");
            }
            for (int i = 0; i < width; i++) {
                out.sigmaSquared[i] = Math.max(0.0, out.sigmaSquared[i]);
            }
            int rank = selector.select(out.sigmaSquared, width, total);
            out.keepLeading(rank, width, total);
            eigen.leadingVectors(rank, vectors);
            // The basis Q S, sign-fixed together with S; the other factor S^T B (from B^T, no pass over A).
            gemm.multiply(basis, false, vectors, false, basisRows, rank, width, out.u);
            DenseKernels.fixColumnSigns(out.u, basisRows, rank, vectors, width);
            if (left) {
                gemm.multiply(vectors, true, other, true, rank, otherRows, width, out.w);
            } else {
                gemm.multiply(other, false, vectors, false, otherRows, rank, width, out.w);
            }
        } finally {
            gemm.unpin();
        }
        return true;
    }

    /** The Gaussian test matrix of a shape: the same values every time the shape recurs. */
    private double[] omega(int rows, int cols) {
        if (rows != omegaRows || cols != omegaCols) {
            if (omega.length < rows * cols) {
                omega = new double[rows * cols];
            }
            SplittableRandom random = new SplittableRandom(SEED ^ (31L * rows + cols));
            for (int i = 0; i < rows * cols; i++) {
                omega[i] = gaussian(random);
            }
            omegaRows = rows;
            omegaCols = cols;
        }
        return omega;
    }

    /** A standard normal value (Box-Muller; one of the pair). */
    private static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    private void ensureCapacity(int basisRows, int otherRows, int width) {
        sketch = grown(sketch, basisRows * width);
        basis = grown(basis, basisRows * width);
        other = grown(other, otherRows * width);
        otherBasis = grown(otherBasis, otherRows * width);
        gram = grown(gram, width * width);
        vectors = grown(vectors, width * width);
    }

    private static double[] grown(double[] buffer, int size) {
        return buffer.length < size ? new double[size] : buffer;
    }

    /** Frees the native buffers of the parts that hold any. */
    @Override
    public void close() {
        for (Object part : new Object[] {gemm, exact, smallEigen, largeEigen}) {
            LowRankFactorizers.close(part);
        }
    }
}
