/**
 * Per-image compression: the MMPS codec (the paper's Algorithm 2 with K stages), what the user
 * asks for ({@link dev.mmps.tensor.codec.CompressionSpec}, {@link dev.mmps.tensor.codec.Truncation}),
 * the ratio planner and its calibrated rank profiles, the layout search that picks a dataset's
 * layout from its calibration sample, and the stored factors.
 */
package dev.mmps.tensor.codec;
