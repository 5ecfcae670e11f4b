package dev.mmps.tensor.codec;

import dev.mmps.tensor.metrics.ImageStats;

/** What compressing one image gives: its factors and their statistics. */
public record CompressedImage(MmpsFactors factors, ImageStats stats) {}
