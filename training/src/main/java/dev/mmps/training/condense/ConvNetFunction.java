package dev.mmps.training.condense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;

/**
 * The ConvNet of trajectory matching (MTT, NSD, MTT-LSS) as a pure function of an explicit parameter list,
 * so that a student's parameters can be plain arrays that an unrolled training run updates and
 * differentiates through. {@code depth} blocks of a 3x3 convolution ({@code width} filters, zero padding
 * 1), instance normalisation with a learned scale and shift per channel, ReLU and 2x2 average pooling, then
 * one linear layer to the class scores.
 *
 * <p>Images are {@code (N, C, H, W)}. The parameter list holds, block by block, the convolution's weights
 * {@code (width, C_in, 3, 3)} and bias, the normalisation's scale and shift, then the linear layer's weights
 * {@code (classes, width * H' * W')} and bias; {@link #shapes()} gives them in that order.
 *
 * @param channels the images' channels
 * @param height the images' height, divisible by {@code 2^depth}
 * @param width the images' width, divisible by {@code 2^depth}
 * @param classes the number of classes
 * @param filters the filters of every block
 * @param depth the number of blocks
 */
public record ConvNetFunction(int channels, int height, int width, int classes, int filters, int depth) {

    /** Instance normalisation's guard against dividing by a zero variance, as torch's default. */
    static final double NORM_EPSILON = 1e-5;

    public ConvNetFunction {
        if (channels < 1 || classes < 2 || filters < 1 || depth < 1) {
            throw new IllegalArgumentException("a ConvNet needs channels, filters and depth of at least 1 and at "
                    + "least 2 classes, not " + channels + ", " + filters + ", " + depth + " and " + classes);
        }
        int cell = 1 << depth;
        if (height % cell != 0 || width % cell != 0) {
            throw new IllegalArgumentException("images of " + height + "x" + width + " cannot be halved " + depth
                    + " times: use a depth whose power of two divides both sides");
        }
    }

    /** The shapes of the parameters, in the order {@link #logits} takes them. */
    public List<Shape> shapes() {
        List<Shape> shapes = new ArrayList<>();
        int in = channels;
        for (int b = 0; b < depth; b++) {
            shapes.add(new Shape(filters, in, 3, 3));
            shapes.add(new Shape(filters));
            shapes.add(new Shape(filters));
            shapes.add(new Shape(filters));
            in = filters;
        }
        shapes.add(new Shape(classes, features()));
        shapes.add(new Shape(classes));
        return shapes;
    }

    /** The number of values in all parameters. */
    public long parameterCount() {
        return shapes().stream().mapToLong(Shape::size).sum();
    }

    /** The inputs of the linear layer: the last block's filters over the pooled image. */
    long features() {
        return (long) filters * (height >> depth) * (width >> depth);
    }

    /**
     * Fresh parameters as torch initialises its layers: weights and biases uniform on
     * {@code +-1/sqrt(fan in)}, normalisation scales 1 and shifts 0.
     */
    public NDList initialise(NDManager manager, long seed, DataType type) {
        manager.getEngine().setRandomSeed((int) seed);
        NDList parameters = new NDList();
        int in = channels;
        for (int b = 0; b < depth; b++) {
            double bound = 1 / Math.sqrt(in * 9.0);
            parameters.add(uniform(manager, new Shape(filters, in, 3, 3), bound, type));
            parameters.add(uniform(manager, new Shape(filters), bound, type));
            parameters.add(manager.ones(new Shape(filters), type));
            parameters.add(manager.zeros(new Shape(filters), type));
            in = filters;
        }
        double bound = 1 / Math.sqrt(features());
        parameters.add(uniform(manager, new Shape(classes, features()), bound, type));
        parameters.add(uniform(manager, new Shape(classes), bound, type));
        return parameters;
    }

    private static NDArray uniform(NDManager manager, Shape shape, double bound, DataType type) {
        return manager.randomUniform((float) -bound, (float) bound, shape, DataType.FLOAT32).toType(type, false);
    }

    /** The class scores {@code (N, classes)} of images {@code (N, C, H, W)} under {@code parameters}. */
    public NDArray logits(NDList parameters, NDArray images) {
        if (parameters.size() != 4 * depth + 2) {
            throw new IllegalArgumentException(parameters.size() + " parameter arrays given; this ConvNet has "
                    + (4 * depth + 2));
        }
        NDArray x = images;
        int p = 0;
        for (int b = 0; b < depth; b++) {
            x = Conv2d.conv2d(x, parameters.get(p), parameters.get(p + 1), new Shape(1, 1), new Shape(1, 1))
                    .singletonOrThrow();
            x = instanceNorm(x, parameters.get(p + 2), parameters.get(p + 3));
            x = Activation.relu(x);
            x = Pool.avgPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false, true);
            p += 4;
        }
        x = x.reshape(x.getShape().get(0), features());
        return Linear.linear(x, parameters.get(p), parameters.get(p + 1)).singletonOrThrow();
    }

    /** A loss's value and its gradient with respect to the parameters. */
    public record Loss(double value, NDList gradient) {}

    /**
     * The mean cross-entropy of the scores of {@code images} against {@code targets} (distributions over the
     * classes, {@code (N, classes)}) and its gradient with respect to the parameters, in {@code step}.
     */
    public Loss gradient(NDList parameters, NDArray images, NDArray targets, NDManager step) {
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try {
            NDList leaves = leaves(parameters, step);
            NDArray loss = crossEntropy(logits(leaves, images), targets);
            JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
            NDList gradient = new NDList(leaves.size());
            for (NDArray leaf : leaves) {
                gradient.add(leaf.getGradient());
            }
            return new Loss(loss.toType(DataType.FLOAT64, false).getDouble(), gradient);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /** The mean over the batch of the cross-entropy of the scores against target distributions. */
    static NDArray crossEntropy(NDArray logits, NDArray targets) {
        return logits.logSoftmax(1).mul(targets).sum(new int[] {1}).mean().neg();
    }

    static NDList leaves(NDList values, NDManager step) {
        NDList leaves = new NDList(values.size());
        for (NDArray value : values) {
            leaves.add(leaf(value, step));
        }
        return leaves;
    }

    /** {@code value}'s data in {@code step}, without its history, as a leaf whose gradient is recorded. */
    static NDArray leaf(NDArray value, NDManager step) {
        NDArray leaf = JniUtils.detachGradient((PtNDArray) value);
        leaf.attach(step);
        leaf.setRequiresGradient(true);
        return leaf;
    }

    /** Normalises every image's every channel over its pixels, then scales and shifts per channel. */
    private static NDArray instanceNorm(NDArray x, NDArray scale, NDArray shift) {
        Shape shape = x.getShape();
        long n = shape.get(0);
        long c = shape.get(1);
        NDArray pixels = x.reshape(n, c, shape.get(2) * shape.get(3));
        NDArray centred = pixels.sub(pixels.mean(new int[] {2}, true));
        NDArray variance = centred.square().mean(new int[] {2}, true);
        NDArray normalised = centred.div(variance.add(NORM_EPSILON).sqrt()).reshape(shape);
        return normalised.mul(scale.reshape(1, c, 1, 1)).add(shift.reshape(1, c, 1, 1));
    }
}
