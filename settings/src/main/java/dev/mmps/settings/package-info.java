/**
 * What the commands share about a user's input: {@link dev.mmps.settings.ValidationException}, the
 * one error type that means "fix your input" (exit code 2), and {@link dev.mmps.settings.ConfigLayers},
 * the layering of a documented defaults file, a user's file and command-line values.
 */
package dev.mmps.settings;
