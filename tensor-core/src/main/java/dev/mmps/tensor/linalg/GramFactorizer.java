package dev.mmps.tensor.linalg;

/**
 * Truncated factorisation through the Gram matrix of the smaller side.
 *
 * <p>The singular vectors on the smaller side of {@code A} are the eigenvectors of its Gram
 * matrix ({@code A A^T} for a wide matrix, {@code A^T A} for a tall one); those on the other side
 * are {@code A^T U} or {@code A V}, made orthonormal. The eigenproblem has the order of the smaller
 * side, which for the unfoldings of an image is a few dozen, and only the kept eigenvectors are
 * computed. Everything runs in double precision, so singular values down to about {@code 1e-7}
 * of the largest are resolved; that is well below what a float32 image holds.
 *
 * <p>The products and the eigensolver are pluggable: plain Java ({@link JavaGemm},
 * {@link SymmetricEigen}) runs anywhere; native products ({@link BlasGemm}) with the Java
 * eigensolver for small orders and LAPACK's ({@link LapackSymmetricEigen}) for large ones is the
 * fastest combination measured.
 */
public final class GramFactorizer implements LowRankFactorizer, AutoCloseable {

    /**
     * Largest ratio of the first to the last kept squared singular value for which {@code W} is formed from the
     * Gram matrix. That way squares the condition: its rounding error, relative to a kept singular value, grows
     * like {@code 1e-16} times this ratio, so at {@code 1e6} it stays near {@code 1e-10}, far below the float32
     * of the stored cores; flatter-tailed spectra form {@code W} from {@code A}.
     */
    static final double GRAM_W_SPREAD = 1e6;

    private final String name;
    private final MatrixProduct gemm;
    private final SymmetricEigensolver smallEigen;
    private final SymmetricEigensolver largeEigen;
    private final int largeFromOrder;
    private double[] gram = new double[0];
    private double[] vectors = new double[0];
    private double[] basis = new double[0];
    private final Orthonormalizer orthonormalizer = new Orthonormalizer();

    /**
     * @param name the route name
     * @param products the matrix products
     * @param smallEigen eigensolver below {@code largeFromOrder}
     * @param largeEigen eigensolver from {@code largeFromOrder} up
     */
    public GramFactorizer(String name, MatrixProduct products, SymmetricEigensolver smallEigen,
            SymmetricEigensolver largeEigen, int largeFromOrder) {
        this.name = name;
        this.gemm = products;
        this.smallEigen = smallEigen;
        this.largeEigen = largeEigen;
        this.largeFromOrder = largeFromOrder;
    }

    /** Everything in plain Java. */
    public GramFactorizer() {
        this("java-gram", new JavaGemm(), new SymmetricEigen(), null, Integer.MAX_VALUE);
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
        gemm.pin(a, rows * cols);
        try {
            switch (leadingBasis(a, rows, cols, true, selector, out)) {
                case FROM_INPUT -> gemm.multiply(out.u, true, a, false, out.rank, cols, rows, out.w);
                case FROM_GRAM -> {
                    // U = A V C, so W = U^T A = C^T V^T (A^T A): products of the small side only.
                    gemm.multiply(vectors, true, gram, false, out.rank, cols, cols, basis);
                    gemm.multiply(orthonormalizer.coefficients(), true, basis, false, out.rank, cols, out.rank, out.w);
                }
                case NONE -> { }
            }
        } finally {
            gemm.unpin();
        }
    }

    @Override
    public void factorRight(double[] a, int rows, int cols, RankSelector selector, LowRank out) {
        gemm.pin(a, rows * cols);
        try {
            switch (leadingBasis(a, rows, cols, false, selector, out)) {
                case FROM_INPUT -> gemm.multiply(a, false, out.u, false, rows, out.rank, cols, out.w);
                case FROM_GRAM -> {
                    // V = A^T U C, so W = A V = (A A^T) U C.
                    gemm.multiply(gram, false, vectors, false, rows, out.rank, rows, basis);
                    gemm.multiply(basis, false, orthonormalizer.coefficients(), false, rows, out.rank, out.rank, out.w);
                }
                case NONE -> { }
            }
        } finally {
            gemm.unpin();
        }
    }

    /** How the other factor {@code W} is formed once the basis is known. */
    private enum Remaining {
        /** Nothing: the zero matrix (factors complete) or an identity answer. */
        NONE,
        /** From the input: {@code U^T A} or {@code A V}. */
        FROM_INPUT,
        /**
         * From the Gram matrix: the basis was mapped from the Gram side's eigenvectors through {@code A} and
         * made orthonormal by CholeskyQR, so {@code W} follows from the Gram matrix and CholeskyQR's
         * coefficients without another pass over {@code A}.
         */
        FROM_GRAM
    }

    /**
     * Puts the orthonormal basis of the leading left ({@code left}) or right singular subspace in
     * {@code out.u}, sign-fixed, with the spectrum and rank, and says how {@code W} is to be formed.
     */
    private Remaining leadingBasis(double[] a, int rows, int cols, boolean left, RankSelector selector, LowRank out) {
        out.prepare(rows, cols);
        boolean rowGram = rows <= cols;
        int order = rowGram ? rows : cols;
        ensureCapacity(rows, cols);
        if (order <= DenseKernels.THIN_GRAM_ORDER) {
            DenseKernels.thinGram(a, rows, cols, gram);
        } else if (rowGram) {
            gemm.multiply(a, false, a, true, rows, rows, cols, gram);
        } else {
            gemm.multiply(a, true, a, false, cols, cols, rows, gram);
        }
        // ||A||_F^2 is the Gram matrix's trace: no pass over A of its own.
        double total = 0;
        for (int i = 0; i < order; i++) {
            total += gram[i * order + i];
        }
        if (total == 0) {
            ZeroMatrix.factor(rows, cols, left ? rows : cols, selector, out);
            return Remaining.NONE;
        }
        SymmetricEigensolver eigen = order >= largeFromOrder ? largeEigen : smallEigen;
        double[] spectrum = out.sigmaSquared;
        if (!eigen.eigenvalues(gram, order, spectrum, selector.limit(order))) {
            throw new ArithmeticException(
                    "symmetric eigensolver did not converge on a " + order + "x" + order + " Gram matrix");
        }
        for (int i = 0; i < order; i++) {
            spectrum[i] = Math.max(0.0, spectrum[i]);
        }
        int rank = selector.select(spectrum, order, total);
        out.keep(rank, order, total);
        if (rank == order && rowGram == left && out.identityAccepted()) {
            // Every direction of the basis side is kept: the caller takes the identity, and A as W.
            return Remaining.NONE;
        }
        int basisRows = left ? rows : cols;
        if (rowGram == left) {
            // The Gram side is the wanted side: its eigenvectors are the basis.
            eigen.leadingVectors(rank, out.u);
            DenseKernels.fixColumnSigns(out.u, basisRows, rank);
            return Remaining.FROM_INPUT;
        }
        // The other side: map the eigenvectors through A (or A^T) and orthonormalise.
        eigen.leadingVectors(rank, vectors);
        if (left) {
            gemm.multiply(a, false, vectors, false, rows, rank, cols, basis);
        } else {
            gemm.multiply(a, true, vectors, false, cols, rank, rows, basis);
        }
        // The columns of A V are already orthogonal up to rounding: one CholeskyQR step suffices.
        boolean conditioned = spectrum[0] <= GRAM_W_SPREAD * spectrum[rank - 1];
        if (orthonormalizer.orthonormalize(gemm, basis, basisRows, rank, out.u) && conditioned) {
            DenseKernels.fixColumnSigns(out.u, basisRows, rank, orthonormalizer.coefficients(), rank);
            return Remaining.FROM_GRAM;
        }
        DenseKernels.fixColumnSigns(out.u, basisRows, rank);
        return Remaining.FROM_INPUT;
    }

    /** Frees the native buffers of the parts that hold any. */
    @Override
    public void close() {
        for (Object part : new Object[] {gemm, smallEigen, largeEigen}) {
            LowRankFactorizers.close(part);
        }
    }

    private void ensureCapacity(int rows, int cols) {
        int small = Math.min(rows, cols);
        int large = Math.max(rows, cols);
        if (gram.length < small * small) {
            gram = new double[small * small];
        }
        if (vectors.length < small * small) {
            vectors = new double[small * small];
        }
        if (basis.length < large * small) {
            basis = new double[large * small];
        }
    }
}
