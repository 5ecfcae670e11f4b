/**
 * Dataset condensation by trajectory matching (MTT, and on it NSD and MTT-LSS): a tiny synthetic training set
 * learned so that a student trained on it for a few steps lands where an expert trained on the real images
 * landed. The student network as a pure function of its parameters ({@link
 * dev.mmps.training.condense.ConvNetFunction}) and the matching loss with its gradient through the unrolled
 * training ({@link dev.mmps.training.condense.TrajectoryMatcher}).
 */
package dev.mmps.training.condense;
