/**
 * The training stage's own JSON files ({@code classifier.json}, {@code corrections.json},
 * {@code evaluation.json}) go through one configured Jackson mapper, {@link dev.mmps.training.files.JsonFiles}:
 * each file has its record type beside the code that owns it, and this package fixes how they look on disk.
 * {@link dev.mmps.training.files.ParquetFiles} writes and reads the stage's small Parquet tables and their float32
 * blobs.
 */
package dev.mmps.training.files;
