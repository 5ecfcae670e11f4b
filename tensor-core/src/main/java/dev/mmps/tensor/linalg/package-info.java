/**
 * The linear algebra behind one TT-SVD step: truncated factorisations of a matrix
 * ({@link dev.mmps.tensor.linalg.LowRankFactorizer}, the seam between routes), the Gram route with
 * pluggable products and eigensolvers, the full-SVD route, and the native OpenBLAS/LAPACK
 * bindings they use. {@link dev.mmps.tensor.linalg.LowRankFactorizers} creates routes by name.
 */
package dev.mmps.tensor.linalg;
