/**
 * The training stage's commands, which {@code bin/mmps} runs on this module's own classpath (DJL, no
 * Spark): {@code evaluate}, {@code train-teacher}, {@code distill} and {@code dataset-speed}. Exit codes:
 * 0 success; 2 the user's input must change (a flag, a setting, a folder: one line naming the value, the
 * rule and the fix, from a {@link dev.mmps.settings.ValidationException}); 1 anything else, a defect or a
 * failing machine, printed with its stack trace.
 */
package dev.mmps.training.cli;
