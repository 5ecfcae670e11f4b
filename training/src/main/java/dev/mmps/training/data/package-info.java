/**
 * Training data as DJL datasets: every source of images (the original class folders or IDX files, a
 * factor table of any codec, a factor table with learned corrections) answers the same question, "these
 * images as a {@code (B, C, H, W)} array on the device", and {@link dev.mmps.training.data.SourceDataset}
 * turns any of them into shuffled, optionally augmented batches. Factor tables are rebuilt per batch by
 * tensor contractions on the DJL device ({@link dev.mmps.training.data.MpsRebuild},
 * {@link dev.mmps.training.data.BaselineRebuild}).
 */
package dev.mmps.training.data;
