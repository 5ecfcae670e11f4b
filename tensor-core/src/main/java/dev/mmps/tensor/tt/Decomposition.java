package dev.mmps.tensor.tt;

/**
 * The result of one TT-SVD: the MPS and what each bond's truncation discarded.
 *
 * @param mps the factors
 * @param discarded per bond ({@code n-1} values), the Frobenius norm of the singular values dropped
 *     there, {@code epsilon_k} of paper Eq. 3
 * @param inputNorm {@code ||A||_F} of the decomposed tensor
 * @param spectra per bond, the squared singular values of that step's unfolding, descending (kept
 *     and discarded; only the leading ones where the route sketched, {@link
 *     dev.mmps.tensor.linalg.RandomizedFactorizer})
 */
public record Decomposition(Mps mps, double[] discarded, double inputNorm, double[][] spectra) {

    public Decomposition {
        discarded = discarded.clone();
        double[][] copy = new double[spectra.length][];
        for (int k = 0; k < spectra.length; k++) {
            copy[k] = spectra[k].clone();
        }
        spectra = copy;
    }

    @Override
    public double[] discarded() {
        return discarded.clone();
    }

    /** Squared singular values of bond {@code k}'s unfolding, descending; a copy. */
    public double[] spectrum(int k) {
        return spectra[k].clone();
    }

    @Override
    public double[][] spectra() {
        double[][] copy = new double[spectra.length][];
        for (int k = 0; k < spectra.length; k++) {
            copy[k] = spectra[k].clone();
        }
        return copy;
    }

    /**
     * The bound of paper Eq. 3, {@code sqrt(sum_k epsilon_k^2)}, on {@code ||A - MPS(A)||_F}. With
     * orthonormal left cores the TT-SVD attains it up to rounding.
     */
    public double errorBound() {
        double s = 0;
        for (double e : discarded) {
            s += e * e;
        }
        return Math.sqrt(s);
    }
}
