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
    /**
     * Pixels on the [0, 1] scale rebuilt from the same factors by two routes, at least one in float32
     * (the training Dataset's batched contraction on the DJL device against the factor-table reader's),
     * absolute: the sums differ in order and precision only, a few hundred float32 roundings (unit
     * roundoff 6e-8) of values no larger than 1.
     */
    public static final double PIXEL_F32 = 1e-5;

    /**
     * Outputs of a network (or one layer) computed from two exact factorisations of the same float32 weights,
     * relative to the largest output magnitude: each output sums hundreds to thousands of float32 products in
     * a different order and through float32 factors, a few thousand roundings (unit roundoff 6e-8).
     */
    public static final double NETWORK_F32 = 1e-4;

    private Tolerance() {}
}
