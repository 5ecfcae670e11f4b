/**
 * Factorisations of trained network weights, the numerics of model compression: a dense matrix as a
 * matrix product operator ({@link dev.mmps.tensor.weights.Mpo}, by TT-SVD of its mode-interleaved
 * reshaping), a convolution kernel as a Tucker-2 product over its channel modes
 * ({@link dev.mmps.tensor.weights.Tucker2}) and a dense matrix as two thinner ones
 * ({@link dev.mmps.tensor.weights.SvdSplit}), ranks chosen by the energy rule
 * ({@link dev.mmps.tensor.linalg.RankSelector#energy}). Plain arrays in, plain arrays out: the DJL stage
 * builds layers from them.
 */
package dev.mmps.tensor.weights;
