/**
 * Compressing a trained classifier ({@code mmps compress-model}): its convolutions by Tucker-2 or its fully
 * connected layers by an SVD split or matrix product operators, ranks by the energy rule or a bond
 * dimension, then fine-tuned, one-shot or progressively (the originals fading out while the factorised
 * layers train), with parameters, multiply-accumulates and accuracy measured at every step.
 */
package dev.mmps.training.compression;
