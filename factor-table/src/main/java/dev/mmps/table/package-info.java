/**
 * The factor table as a format: how each codec's factors are laid out in a row and stored at each
 * precision ({@link dev.mmps.table.FactorFormat}, {@link dev.mmps.table.Precision}), and a
 * streaming reader that rebuilds images from the Parquet files without Spark
 * ({@link dev.mmps.table.FactorTableReader}). {@code docs/FORMAT.md} is the specification; the
 * Spark jobs write it and the training stage reads it.
 */
package dev.mmps.table;
