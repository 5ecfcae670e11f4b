/**
 * The evaluation protocol: the grid of methods x ratios x architectures x seeds
 * ({@link dev.mmps.training.eval.EvaluationConfig}, {@link dev.mmps.training.eval.Method}), its resumable run
 * ({@link dev.mmps.training.eval.EvaluationGrid}), and the report: {@code evaluation.json} and Markdown tables
 * shaped like the paper's Table 1 and Table 3 ({@link dev.mmps.training.eval.EvaluationReport}).
 */
package dev.mmps.training.eval;
