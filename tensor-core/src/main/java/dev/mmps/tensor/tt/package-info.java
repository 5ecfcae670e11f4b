/**
 * Matrix product states: the {@link dev.mmps.tensor.tt.Mps} value type, bond truncation policies,
 * the TT-SVD (the paper's Algorithm 1) and contraction of cores back into a tensor.
 */
package dev.mmps.tensor.tt;
