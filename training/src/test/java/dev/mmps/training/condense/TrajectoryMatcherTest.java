package dev.mmps.training.condense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The meta-gradient of trajectory matching against central finite differences of the loss itself, on a tiny
 * ConvNet in double precision, each step's batch flipped and shifted: every seventh pixel's, three label
 * entries' and the learning rate's; and with NSD's guidance term.
 */
class TrajectoryMatcherTest {

    /** Central differences of a smooth loss in double precision: truncation error about STEP^2. */
    private static final double STEP = 1e-5;
    /**
     * The length of the matcher's own differences along the adjoint: in double precision small enough that its
     * error (of order PROBE^2) is far below the tolerance.
     */
    private static final double PROBE = 1e-5;
    /** Agreement of the reverse-mode gradient with the differences, relative to the largest gradient. */
    private static final double RELATIVE_TOLERANCE = 1e-6;

    private static final ConvNetFunction NETWORK = new ConvNetFunction(2, 4, 4, 3, 3, 1);
    private static final double LEARNING_RATE = 0.3;

    @Test
    void theGradientOfTheMatchingLossEqualsFiniteDifferences() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList start = NETWORK.initialise(manager, 1, DataType.FLOAT64);
            NDList target = NETWORK.initialise(manager, 2, DataType.FLOAT64);
            TrajectoryMatcher.Segment segment = new TrajectoryMatcher.Segment(start, target);
            NDArray images = manager.randomUniform(0f, 1f, new Shape(6, 2, 4, 4)).toType(DataType.FLOAT64, false);
            NDArray labels = manager.randomUniform(0.1f, 1f, new Shape(6, 3)).toType(DataType.FLOAT64, false);
            labels = labels.div(labels.sum(new int[] {1}, true));
            List<NDArray> batches = new ArrayList<>();
            for (long[] b : new long[][] {{0, 3, 5}, {1, 2, 4}, {5, 0, 1}, {2, 3, 4}}) {
                batches.add(manager.create(b));
            }
            // Each step's batch flipped and shifted its own way, as condensation draws them.
            List<BatchTransform> transforms = List.of(new BatchTransform(true, 1, -1), BatchTransform.IDENTITY,
                    new BatchTransform(false, 0, 2), new BatchTransform(true, -1, 0));
            TrajectoryMatcher matcher = new TrajectoryMatcher(NETWORK, PROBE);
            TrajectoryMatcher.Gradient gradient = matcher.match(segment,
                    new TrajectoryMatcher.Synthetic(images, labels, true), LEARNING_RATE, batches, transforms, null);
            assertTrue(gradient.loss() > 0 && Double.isFinite(gradient.loss()), "loss " + gradient.loss());

            double[] imageGradient = gradient.images().toDoubleArray();
            double[] labelGradient = gradient.labels().toDoubleArray();
            double scale = Math.max(maxAbs(imageGradient), Math.abs(gradient.learningRate()));
            assertTrue(scale > 1e-6, "the gradient must not vanish on this problem: " + scale);

            NDArray fixedLabels = labels;
            for (int pixel = 0; pixel < imageGradient.length; pixel += 7) {
                int flat = pixel;
                double numeric = centralDifference(h -> {
                    NDArray moved = perturbed(images, flat, h);
                    return matcher.match(segment, new TrajectoryMatcher.Synthetic(moved, fixedLabels, false),
                            LEARNING_RATE, batches, transforms, null).loss();
                });
                assertEquals(numeric, imageGradient[pixel], RELATIVE_TOLERANCE * scale, "pixel " + pixel);
            }
            for (int entry : new int[] {0, 4, 17}) {
                double numeric = centralDifference(h -> matcher.match(segment,
                        new TrajectoryMatcher.Synthetic(images, perturbed(fixedLabels, entry, h), false),
                        LEARNING_RATE, batches, transforms, null).loss());
                assertEquals(numeric, labelGradient[entry], RELATIVE_TOLERANCE * scale, "label entry " + entry);
            }
            double numericRate = centralDifference(h -> matcher.match(segment,
                    new TrajectoryMatcher.Synthetic(images, fixedLabels, false), LEARNING_RATE + h, batches, transforms,
                    null).loss());
            assertEquals(numericRate, gradient.learningRate(), RELATIVE_TOLERANCE * scale, "learning rate");
        }
    }

    @Test
    void theGuidanceTermJoinsTheLossAndItsGradient() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList start = NETWORK.initialise(manager, 3, DataType.FLOAT64);
            NDList target = NETWORK.initialise(manager, 4, DataType.FLOAT64);
            TrajectoryMatcher.Segment segment = new TrajectoryMatcher.Segment(start, target);
            NDArray images = manager.randomUniform(0f, 1f, new Shape(4, 2, 4, 4)).toType(DataType.FLOAT64, false);
            NDArray labels = manager.create(new long[] {0, 1, 2, 0}).oneHot(3).toType(DataType.FLOAT64, false);
            NDArray real = manager.randomUniform(0f, 1f, new Shape(5, 2, 4, 4)).toType(DataType.FLOAT64, false);
            NDArray realLabels = manager.create(new long[] {2, 1, 0, 1, 2}).oneHot(3).toType(DataType.FLOAT64, false);
            TrajectoryMatcher.Guidance guidance = new TrajectoryMatcher.Guidance(real, realLabels, 0.7);
            List<NDArray> batches = List.of(manager.create(new long[] {0, 1, 2, 3}), manager.create(new long[] {3, 1}));
            TrajectoryMatcher matcher = new TrajectoryMatcher(NETWORK, PROBE);
            TrajectoryMatcher.Synthetic synthetic = new TrajectoryMatcher.Synthetic(images, labels, false);
            TrajectoryMatcher.Gradient guided = matcher.match(segment, synthetic, LEARNING_RATE, batches, null, guidance);
            TrajectoryMatcher.Gradient plain = matcher.match(segment, synthetic, LEARNING_RATE, batches);
            double crossEntropy = NETWORK.gradient(guided.end(), real, realLabels, manager).value();
            assertEquals(plain.loss() + 0.7 * crossEntropy, guided.loss(), 1e-12, "matching loss plus the guidance");

            double[] imageGradient = guided.images().toDoubleArray();
            double scale = maxAbs(imageGradient);
            for (int pixel = 0; pixel < imageGradient.length; pixel += 5) {
                int flat = pixel;
                double numeric = centralDifference(h -> matcher.match(segment, new TrajectoryMatcher.Synthetic(
                        perturbed(images, flat, h), labels, false), LEARNING_RATE, batches, null, guidance).loss());
                assertEquals(numeric, imageGradient[pixel], RELATIVE_TOLERANCE * scale, "pixel " + pixel);
            }
        }
    }

    private static double centralDifference(DoubleUnaryOperator loss) {
        return (loss.applyAsDouble(STEP) - loss.applyAsDouble(-STEP)) / (2 * STEP);
    }

    /** A copy of {@code array} with its {@code flat}-th value moved by {@code h}. */
    private static NDArray perturbed(NDArray array, int flat, double h) {
        NDArray copy = array.duplicate();
        Shape shape = array.getShape();
        long[] index = new long[shape.dimension()];
        long rest = flat;
        for (int d = shape.dimension() - 1; d >= 0; d--) {
            index[d] = rest % shape.get(d);
            rest /= shape.get(d);
        }
        NDIndex at = new NDIndex(index);
        copy.set(at, copy.get(at).add(h));
        return copy;
    }

    private static double maxAbs(double[] values) {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
