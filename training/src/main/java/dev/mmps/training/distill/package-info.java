/**
 * The task-specific correction of the paper's Eq. 7: per training image an additive term, zero at the
 * start, learned with the teacher frozen so that the teacher's logits on the rebuilt image plus the
 * correction match its logits on the real image ({@link dev.mmps.training.distill.CorrectionLearner}); the
 * learned terms, optionally of low rank ({@link dev.mmps.training.distill.Corrections}); their Parquet table
 * keyed by image id ({@link dev.mmps.training.distill.CorrectionTable}); and a factor table with its
 * corrections applied as one more image source ({@link dev.mmps.training.distill.CorrectedSource}).
 */
package dev.mmps.training.distill;
