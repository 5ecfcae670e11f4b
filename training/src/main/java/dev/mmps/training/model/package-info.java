/**
 * Classifiers and how they are trained: the architectures by name ({@link dev.mmps.training.model.Architecture}:
 * a small ConvNet for the CPU, ResNet-18, VGG-16 and MobileNetV2 as in the paper's Table 2), a trained or
 * fresh model with its input contract ({@link dev.mmps.training.model.Classifier}, saved and loaded with its
 * shape and classes), and the training loop with its top-1 accuracy
 * ({@link dev.mmps.training.model.ClassifierTraining}).
 */
package dev.mmps.training.model;
