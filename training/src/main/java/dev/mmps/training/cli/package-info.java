/**
 * The training stage's commands, which {@code bin/mmps} runs on this module's own classpath (DJL, no
 * Spark): {@code evaluate}, {@code train-teacher}, {@code distill} and {@code dataset-speed}. Exit codes:
 * 0 success, 1 the run failed, 2 the command was misused (one line naming the value and the fix).
 */
package dev.mmps.training.cli;
