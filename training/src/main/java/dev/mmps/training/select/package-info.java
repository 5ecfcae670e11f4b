/**
 * The paper's data-selection baselines: a Random subset and a greedy K-Center subset (on pixels or on a
 * teacher's features), each keeping as many whole images as a factor table at the same ratio stores values.
 */
package dev.mmps.training.select;
