package dev.mmps.training.model;

import ai.djl.basicmodelzoo.cv.classification.MobileNetV2;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import dev.mmps.settings.ValidationException;
import dev.mmps.tensor.layout.ImageShape;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The classifiers by name. Each is one {@link SequentialBlock}: a normalising step ({@code (x - 0.5) / 0.25}
 * on the [0, 1] pixels), the feature layers, and a head of {@link #headBlocks()} blocks that maps features to
 * class logits, so teacher features (for K-Center) are the output before the head.
 * <ul>
 *   <li>{@code convnet}: 3 x (conv 3x3, 64 filters, batch norm, ReLU, average pool 2), then one linear layer:
 *       86k parameters on 32x32x3, minutes per epoch on a CPU.
 *   <li>{@code resnet18}: the CIFAR form of ResNet-18 (3x3 stem without pooling, four stages of two basic
 *       units, 64 to 512 filters, 11.2M parameters), assembled from DJL's residual units because DJL's
 *       builder gives a different, smaller net for inputs of 32 pixels or less.
 *   <li>{@code vgg16}: VGG-16 with batch norm after every convolution and one linear layer over the pooled
 *       features; on inputs under 32 pixels the last pooling stages that would shrink the map below one
 *       pixel are left out.
 *   <li>{@code mobilenetv2}: DJL's MobileNetV2 with the first two strides set to 1 for small inputs.
 * </ul>
 */
public enum Architecture {
    CONVNET("convnet", 1),
    RESNET18("resnet18", 1),
    VGG16("vgg16", 1),
    MOBILENETV2("mobilenetv2", 2);

    private static final float BATCH_NORM_MOMENTUM = 0.9f;
    private static final int[][] VGG16_STAGES = {{2, 64}, {2, 128}, {3, 256}, {3, 512}, {3, 512}};

    private final String label;
    private final int headBlocks;

    Architecture(String label, int headBlocks) {
        this.label = label;
        this.headBlocks = headBlocks;
    }

    public String label() {
        return label;
    }

    /** The trailing blocks that map features to logits. */
    public int headBlocks() {
        return headBlocks;
    }

    public static Architecture parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (Architecture a : values()) {
            if (a.label.equals(n)) {
                return a;
            }
        }
        throw new ValidationException("architecture '" + name + "' is unknown: use one of "
                + Arrays.stream(values()).map(Architecture::label).collect(Collectors.joining(", ")));
    }

    /** A fresh, uninitialised network for images of this shape and this many classes. */
    public SequentialBlock build(ImageShape shape, int classes) {
        if (classes < 2) {
            throw new ValidationException("a classifier needs at least 2 classes, the data has " + classes
                    + "; train on labelled class folders or IDX files with labels");
        }
        if (Math.min(shape.height(), shape.width()) < 8) {
            throw new ValidationException("images of " + shape + " are too small for " + label + ": it needs "
                    + "at least 8x8 pixels; compress and train at a larger --size");
        }
        SequentialBlock net = new SequentialBlock().add(Architecture::normalise);
        switch (this) {
            case CONVNET -> convNet(net);
            case RESNET18 -> resNet18(net);
            case VGG16 -> vgg16(net, shape);
            case MOBILENETV2 -> {
                Block mobile = MobileNetV2.builder().setOutSize(classes)
                        .optStrides(new int[] {1, 1, 2, 2, 2, 1, 2, 1, 1}).build();
                mobile.getChildren().values().forEach(net::add);
                return net;
            }
        }
        return net.add(Linear.builder().setUnits(classes).build());
    }

    private static NDList normalise(NDList x) {
        return new NDList(x.singletonOrThrow().sub(0.5f).div(0.25f));
    }

    private static void convNet(SequentialBlock net) {
        for (int i = 0; i < 3; i++) {
            net.add(conv(64, 1)).add(batchNorm()).add(Activation.reluBlock())
                    .add(Pool.avgPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
        }
        net.add(Blocks.batchFlattenBlock());
    }

    private static void resNet18(SequentialBlock net) {
        net.add(conv(64, 1)).add(batchNorm()).add(Activation.reluBlock());
        int[] filters = {64, 128, 256, 512};
        for (int stage = 0; stage < filters.length; stage++) {
            int stride = stage == 0 ? 1 : 2;
            net.add(ResNetV1.residualUnit(filters[stage], new Shape(stride, stride), stage == 0, false,
                    BATCH_NORM_MOMENTUM));
            net.add(ResNetV1.residualUnit(filters[stage], new Shape(1, 1), true, false, BATCH_NORM_MOMENTUM));
        }
        net.add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock());
    }

    private static void vgg16(SequentialBlock net, ImageShape shape) {
        int pools = Math.min(VGG16_STAGES.length, 31 - Integer.numberOfLeadingZeros(Math.min(shape.height(),
                shape.width())));
        for (int stage = 0; stage < pools; stage++) {
            for (int i = 0; i < VGG16_STAGES[stage][0]; i++) {
                net.add(conv(VGG16_STAGES[stage][1], 1)).add(batchNorm()).add(Activation.reluBlock());
            }
            net.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
        }
        net.add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock());
    }

    private static Block conv(int filters, int stride) {
        return Conv2d.builder().setFilters(filters).setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                .optStride(new Shape(stride, stride)).optBias(false).build();
    }

    private static Block batchNorm() {
        return BatchNorm.builder().optMomentum(BATCH_NORM_MOMENTUM).build();
    }
}
