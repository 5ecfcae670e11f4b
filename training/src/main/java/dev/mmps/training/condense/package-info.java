/**
 * Dataset condensation by trajectory matching (MTT, and on it NSD and MTT-LSS): a tiny synthetic training set
 * learned so that a student trained on it for a few steps lands where an expert trained on the real images
 * landed. The student network as a pure function of its parameters ({@link
 * dev.mmps.training.condense.ConvNetFunction}); the experts' recorded trajectories ({@link
 * dev.mmps.training.condense.Experts}, {@code mmps experts}); the matching loss with its gradient through the
 * unrolled training ({@link dev.mmps.training.condense.TrajectoryMatcher}); and MTT's learning of pixels and
 * learning rate under a budget of images per class ({@link dev.mmps.training.condense.Condensation}).
 */
package dev.mmps.training.condense;
