/**
 * How an image becomes an n-way tensor and back: image shapes, the row and block index orders,
 * explicit layout specs ({@link dev.mmps.tensor.layout.TensorLayout}) and the automatic planner
 * ({@link dev.mmps.tensor.layout.LayoutPlanner}) whose defaults were chosen by measurement.
 */
package dev.mmps.tensor.layout;
