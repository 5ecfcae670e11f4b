/** Distortion measures and the per-image statistics every compressed image carries. */
package dev.mmps.tensor.metrics;
