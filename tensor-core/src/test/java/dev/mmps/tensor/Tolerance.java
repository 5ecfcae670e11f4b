package dev.mmps.tensor;

/** Named tolerances for floating-point checks, in one place. */
public final class Tolerance {

    /** Double-precision kernels (eigensolver, Gram route), relative to the matrix norm. */
    public static final double F64 = 1e-10;
    /** Agreement of singular values between routes, relative to the largest. */
    public static final double SPECTRUM = 1e-9;
    /**
     * Round trips through float32 cores, relative Frobenius error: a few float32 roundings per
     * core (unit roundoff 6e-8) over five cores.
     */
    public static final double F32 = 2e-6;

    private Tolerance() {}
}
