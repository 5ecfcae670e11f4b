package dev.mmps.training.condense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.Augmentation;
import dev.mmps.training.data.ImageSource;
import java.util.Locale;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MTT's evaluation of a synthetic set: a fresh ConvNet of the experts' kind trained from scratch on the set
 * (images in memory, label distributions as targets, so learned soft labels train as they were learned) by SGD
 * with momentum and weight decay at the set's learned learning rate, divided by ten halfway, with a random
 * flip and shift drawn per batch (as DSA draws one transformation per batch); then its test accuracy.
 *
 * <p>Students take a fixed number of steps, whatever the set's size: MTT's 1000 epochs are 1000 steps on
 * its sets of at most a batch of images, and sets of more, smaller images (NSD's, MTT-LSS's) or more real
 * images (a compressed subset) get the same optimisation, not more.
 */
public final class Students {

    private static final Logger LOG = LoggerFactory.getLogger(Students.class);

    /**
     * How a student trains.
     *
     * @param steps SGD steps (MTT: 1000 epochs of one batch each)
     * @param momentum SGD momentum (MTT: 0.9)
     * @param weightDecay L2 weight decay (MTT: 0.0005)
     * @param batchSize images per step (MTT: 256)
     * @param shift the largest shift, in pixels, of the per-batch random translation (zero padding); 0 for none
     * @param flip whether batches are flipped left to right at random
     */
    public record Settings(int steps, double momentum, double weightDecay, int batchSize, int shift, boolean flip) {

        public Settings {
            ValidationException.check(steps >= 1 && batchSize >= 1, "a student needs at least 1 step and a batch "
                    + "of at least 1 image, not " + steps + " and " + batchSize);
            ValidationException.check(momentum >= 0 && momentum < 1 && weightDecay >= 0 && shift >= 0,
                    "momentum must be in [0, 1) and weight decay and shift non-negative, not " + momentum + ", "
                            + weightDecay + " and " + shift);
        }
    }

    private Students() {}

    /**
     * Trains a fresh student on {@code images (n, C, H, W)} with targets {@code labels (n, classes)}.
     *
     * @return the student's parameters, in {@code manager}
     */
    public static NDList train(ConvNetFunction network, NDArray images, NDArray labels, double learningRate,
            Settings s, long seed, NDManager manager, String name) {
        ValidationException.check(learningRate > 0 && Double.isFinite(learningRate), name + ": learning rate "
                + learningRate + " is invalid: use a positive number");
        NDList theta = network.initialise(manager, seed, DataType.FLOAT32);
        NDList velocity = new NDList(theta.size());
        for (NDArray p : theta) {
            velocity.add(p.zerosLike());
        }
        int n = (int) images.getShape().get(0);
        Augmentation augmentation = new Augmentation(s.shift(), s.flip());
        Random random = new Random(seed * 31 + 7);
        long start = System.nanoTime();
        long[] order = Condensation.permutation(n, random);
        int at = 0;
        double lossSum = 0;
        int since = 0;
        for (int step = 1; step <= s.steps(); step++) {
            double rate = step <= s.steps() / 2 ? learningRate : learningRate / 10;
            if (at >= n) {
                order = Condensation.permutation(n, random);
                at = 0;
            }
            int size = Math.min(s.batchSize(), n - at);
            try (NDManager work = manager.newSubManager()) {
                NDArray index = work.create(java.util.Arrays.copyOfRange(order, at, at + size));
                NDArray x = images.get(index);
                x.attach(work);
                NDArray y = labels.get(index);
                y.attach(work);
                ConvNetFunction.Loss loss = network.gradient(theta, BatchTransform.draw(augmentation, random).apply(x), y, work);
                lossSum += loss.value();
                since++;
                for (int i = 0; i < theta.size(); i++) {
                    // Operations put their results in their first operand's manager: the step's temporaries are
                    // attached to the step's, or every step would leave two parameter-sized arrays behind.
                    NDArray decay = theta.get(i).mul(s.weightDecay());
                    decay.attach(work);
                    velocity.get(i).muli(s.momentum()).addi(loss.gradient().get(i)).addi(decay);
                    NDArray move = velocity.get(i).mul(rate);
                    move.attach(work);
                    theta.get(i).subi(move);
                }
            }
            at += size;
            if (step == s.steps() || step % Math.max(1, s.steps() / 5) == 0) {
                double seconds = (System.nanoTime() - start) / 1e9;
                LOG.info("{}: step {}/{}, loss {}, {} s; about {} s left", name, step, s.steps(),
                        String.format(Locale.ROOT, "%.4f", lossSum / since), String.format(Locale.ROOT, "%.0f", seconds),
                        String.format(Locale.ROOT, "%.0f", seconds / step * (s.steps() - step)));
                lossSum = 0;
                since = 0;
            }
        }
        velocity.close();
        return theta;
    }

    /** The share of {@code test}'s images whose highest score is their label. */
    public static double accuracy(ConvNetFunction network, NDList theta, ImageSource test, int batchSize,
            NDManager manager) {
        long correct = 0;
        for (int at = 0; at < test.size(); at += batchSize) {
            try (NDManager step = manager.newSubManager()) {
                int size = Math.min(batchSize, test.size() - at);
                int[] indices = new int[size];
                long[] truth = new long[size];
                for (int i = 0; i < size; i++) {
                    indices[i] = at + i;
                    truth[i] = test.label(at + i);
                }
                NDArray predicted = network.logits(theta, test.images(step, indices)).argMax(1)
                        .toType(DataType.INT64, false);
                correct += predicted.eq(step.create(truth)).sum().getLong();
            }
        }
        return (double) correct / test.size();
    }
}
