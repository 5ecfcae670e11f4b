package dev.mmps.training.model;

import ai.djl.basicmodelzoo.cv.classification.MobileNetV2;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
import dev.mmps.tensor.weights.Modes;
import dev.mmps.tensor.weights.Mpo;
import dev.mmps.training.factorised.Factorisation;
import dev.mmps.tensor.layout.ImageShape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 *   <li>{@code fc2}: two fully connected layers, {@code in -> 256 -> classes} with a ReLU between (784-256-10
 *       on Fashion-MNIST, the MPO paper's FC2).
 *   <li>{@code lenet5}: LeNet-5 with ReLUs and max pooling: conv 5x5 (6 filters, padded), pool, conv 5x5 (16),
 *       pool, then fully connected layers of 120, 84 and the classes.
 *   <li>{@code fc2-mpo}, {@code lenet5-mpo}: the same nets with every fully connected layer a matrix product
 *       operator ({@link dev.mmps.training.factorised.MpoLinear}); {@code convnet-mpo}: the ConvNet with an MPO
 *       head. Their bond dimension is part of the classifier's spec.
 *   <li>{@code convnet-tucker2}: the ConvNet with its two 64-to-64 convolutions as Tucker-2 products of
 *       ranks 32 and 32 (1x1, 3x3 core, 1x1), 2.8 times fewer weights in those layers; the first convolution
 *       (3 channels in) stays dense, since factorising it would store more.
 *   <li>{@code vgg-narrow}: a narrow VGG for the CPU: conv 3x3 stages of 32, 64, 128+128 and 128+128 filters,
 *       each with batch norm and ReLU and closed by a 2x2 max pool, global average pooling and one linear
 *       layer (about 0.5M parameters).
 * </ul>
 */
public enum Architecture {
    CONVNET("convnet", 1),
    RESNET18("resnet18", 1),
    VGG16("vgg16", 1),
    MOBILENETV2("mobilenetv2", 2),
    FC2("fc2", 1),
    LENET5("lenet5", 1),
    FC2_MPO("fc2-mpo", 1),
    LENET5_MPO("lenet5-mpo", 1),
    CONVNET_MPO("convnet-mpo", 1),
    CONVNET_TUCKER2("convnet-tucker2", 1),
    VGG_NARROW("vgg-narrow", 1);

    /** The ranks of {@code convnet-tucker2}'s factorised convolutions. */
    public static final int CONVNET_TUCKER2_RANK = 32;

    private static final float BATCH_NORM_MOMENTUM = 0.9f;
    private static final int[][] VGG16_STAGES = {{2, 64}, {2, 128}, {3, 256}, {3, 512}, {3, 512}};
    private static final int[][] VGG_NARROW_STAGES = {{1, 32}, {1, 64}, {2, 128}, {2, 128}};

    private final String label;
    private final int headBlocks;

    Architecture(String label, int headBlocks) {
        this.label = label;
        this.headBlocks = headBlocks;
    }

    public String label() {
        return label;
    }

    /**
     * The dense architecture a factorised one is made from ({@code fc2} for {@code fc2-mpo}, {@code convnet}
     * for {@code convnet-tucker2}); itself otherwise.
     */
    public Architecture dense() {
        return switch (this) {
            case FC2_MPO -> FC2;
            case LENET5_MPO -> LENET5;
            case CONVNET_MPO, CONVNET_TUCKER2 -> CONVNET;
            default -> this;
        };
    }

    /** Whether the architecture's fully connected layers are matrix product operators. */
    public boolean isMpo() {
        return this == FC2_MPO || this == LENET5_MPO || this == CONVNET_MPO;
    }

    /**
     * Whether the fully connected layer at this position of {@link #build}'s network (one of {@code count}
     * such layers, in order) is an MPO in this architecture: every one for {@code fc2-mpo} and
     * {@code lenet5-mpo}, the head for {@code convnet-mpo}.
     */
    public boolean mpoLayer(int linearIndex, int count) {
        return switch (this) {
            case FC2_MPO, LENET5_MPO -> true;
            case CONVNET_MPO -> linearIndex == count - 1;
            default -> false;
        };
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

    /**
     * A fresh, uninitialised network for images of this shape and this many classes; for an MPO architecture,
     * its dense form (the classifier's factorisation replaces the layers).
     */
    public SequentialBlock build(ImageShape shape, int classes) {
        if (classes < 2) {
            throw new ValidationException("a classifier needs at least 2 classes, the data has " + classes
                    + "; train on labelled class folders or IDX files with labels");
        }
        int smallest = dense() == LENET5 ? 12 : 8;
        if (Math.min(shape.height(), shape.width()) < smallest) {
            throw new ValidationException("images of " + shape + " are too small for " + label + ": it needs "
                    + "at least " + smallest + "x" + smallest + " pixels; compress and train at a larger --size");
        }
        SequentialBlock net = new SequentialBlock().add(Architecture::normalise);
        switch (dense()) {
            case CONVNET -> convNet(net);
            case RESNET18 -> resNet18(net);
            case VGG16 -> vgg(net, shape, VGG16_STAGES);
            case VGG_NARROW -> vgg(net, shape, VGG_NARROW_STAGES);
            case MOBILENETV2 -> {
                Block mobile = MobileNetV2.builder().setOutSize(classes)
                        .optStrides(new int[] {1, 1, 2, 2, 2, 1, 2, 1, 1}).build();
                mobile.getChildren().values().forEach(net::add);
                return net;
            }
            case FC2 -> net.add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(256).build())
                    .add(Activation.reluBlock());
            case LENET5 -> leNet5(net);
            default -> throw new IllegalStateException("no dense network for " + this);
        }
        return net.add(Linear.builder().setUnits(classes).build());
    }

    /** The bond dimension of MPO layers when none is asked for. */
    public static final int DEFAULT_BOND = 4;

    /** The number of modes MPO layers factor their sizes into. */
    public static final int MPO_MODES = 4;

    /**
     * The layers this architecture factorises on images of this shape: for an MPO architecture, its MPO
     * layers with sizes factored into {@link #MPO_MODES} balanced modes and every bond {@code bond} (capped
     * where the modes cannot carry it); for {@code convnet-tucker2} its Tucker-2 convolutions; none for the
     * others.
     */
    public Factorisation factorisation(ImageShape shape, int classes, int bond) {
        if (this == CONVNET_TUCKER2) {
            List<Block> children = build(shape, classes).getChildren().values();
            List<Factorisation.Layer> layers = new ArrayList<>();
            int convolutions = 0;
            for (int i = 0; i < children.size(); i++) {
                // Every convolution but the first, whose 3 input channels leave nothing to factorise.
                if (children.get(i) instanceof Conv2d conv && convolutions++ > 0) {
                    layers.add(new Factorisation.Layer(i, Factorisation.Form.TUCKER2, List.of(conv.getFilters()),
                            List.of(conv.getFilters()), List.of(CONVNET_TUCKER2_RANK, CONVNET_TUCKER2_RANK)));
                }
            }
            return new Factorisation(layers);
        }
        if (!isMpo()) {
            return Factorisation.NONE;
        }
        if (bond < 1) {
            throw new ValidationException("bond dimension " + bond + " is invalid: an MPO layer needs a bond of at "
                    + "least 1; use for example --bond 4");
        }
        SequentialBlock net = build(shape, classes);
        List<Block> children = net.getChildren().values();
        List<Integer> linear = new ArrayList<>();
        for (int i = 0; i < children.size(); i++) {
            if (children.get(i) instanceof Linear) {
                linear.add(i);
            }
        }
        List<Factorisation.Layer> layers = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            net.initialize(manager, DataType.FLOAT32, new Shape(1, shape.channels(), shape.height(), shape.width()));
            for (int k = 0; k < linear.size(); k++) {
                if (mpoLayer(k, linear.size())) {
                    Shape weight = children.get(linear.get(k)).getParameters().get("weight").getShape();
                    int[] out = Modes.balanced((int) weight.get(0), MPO_MODES);
                    int[] in = Modes.balanced((int) weight.get(1), MPO_MODES);
                    layers.add(new Factorisation.Layer(linear.get(k), Factorisation.Form.MPO, boxed(out), boxed(in),
                            boxed(Mpo.bonds(out, in, bond))));
                }
            }
        }
        return new Factorisation(layers);
    }

    private static List<Integer> boxed(int[] values) {
        return Arrays.stream(values).boxed().toList();
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

    private static void leNet5(SequentialBlock net) {
        net.add(Conv2d.builder().setFilters(6).setKernelShape(new Shape(5, 5)).optPadding(new Shape(2, 2)).build())
                .add(Activation.reluBlock()).add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Conv2d.builder().setFilters(16).setKernelShape(new Shape(5, 5)).build())
                .add(Activation.reluBlock()).add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(120).build()).add(Activation.reluBlock())
                .add(Linear.builder().setUnits(84).build()).add(Activation.reluBlock());
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

    private static void vgg(SequentialBlock net, ImageShape shape, int[][] stages) {
        int pools = Math.min(stages.length, 31 - Integer.numberOfLeadingZeros(Math.min(shape.height(),
                shape.width())));
        for (int stage = 0; stage < pools; stage++) {
            for (int i = 0; i < stages[stage][0]; i++) {
                net.add(conv(stages[stage][1], 1)).add(batchNorm()).add(Activation.reluBlock());
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
