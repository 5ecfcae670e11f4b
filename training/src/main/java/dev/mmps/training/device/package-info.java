/**
 * Which device the training stage runs on: the setting ({@code auto}, {@code cpu}, {@code gpu}) from the
 * evaluation config, {@code MMPS_DEVICE} or {@code --device}, checked against what DJL's PyTorch engine
 * reports, chosen once per command, and described in one line.
 */
package dev.mmps.training.device;
