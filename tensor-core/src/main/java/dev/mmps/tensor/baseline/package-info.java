/**
 * The paper's comparison codecs, at the same parameter budget as MMPS: a truncated SVD of each
 * colour channel ({@link dev.mmps.tensor.baseline.SvdCodec}), a CP decomposition by alternating
 * least squares ({@link dev.mmps.tensor.baseline.CpCodec}) and a Tucker decomposition by truncated
 * HOSVD, optionally refined by HOOI ({@link dev.mmps.tensor.baseline.TuckerCodec}). Each treats the
 * image as the 3-way tensor {@code H x W x C} and counts the values it stores.
 */
package dev.mmps.tensor.baseline;
