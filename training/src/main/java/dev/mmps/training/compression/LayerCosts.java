package dev.mmps.training.compression;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import dev.mmps.training.factorised.ChannelMix;
import dev.mmps.training.factorised.MpoLinear;
import dev.mmps.training.model.Classifier;
import java.util.ArrayList;
import java.util.List;

/**
 * Parameters and multiply-accumulates per image of each top-level block of an initialised network.
 * Parameters are what training changes (weights, biases, batch-norm scales and shifts; not running
 * statistics); multiply-accumulates count convolutions and fully connected layers, the cost that
 * factorisation changes, not normalisation, activations or pooling.
 */
public final class LayerCosts {

    /** One top-level block. */
    public record Cost(int index, String kind, long parameters, long multiplyAccumulates) {}

    private LayerCosts() {}

    /** The costs of every top-level block for one image of {@code input} ({@code 1 x C x H x W}). */
    public static List<Cost> of(SequentialBlock net, Shape input) {
        List<Cost> costs = new ArrayList<>();
        Shape shape = input;
        List<Block> children = net.getChildren().values();
        for (int i = 0; i < children.size(); i++) {
            Block child = children.get(i);
            costs.add(new Cost(i, kind(child), Classifier.parameters(child), macs(child, shape)));
            shape = child.getOutputShapes(new Shape[] {shape})[0];
        }
        return costs;
    }

    static long macs(Block block, Shape input) {
        if (block instanceof SequentialBlock sequence) {
            long total = 0;
            Shape shape = input;
            for (Block child : sequence.getChildren().values()) {
                total += macs(child, shape);
                shape = child.getOutputShapes(new Shape[] {shape})[0];
            }
            return total;
        }
        if (block instanceof ai.djl.nn.ParallelBlock parallel) {
            long total = 0;
            for (Block branch : parallel.getChildren().values()) {
                total += macs(branch, input);
            }
            return total;
        }
        if (block instanceof MpoLinear mpo) {
            return mpo.multiplyAccumulates();
        }
        if (block instanceof ChannelMix mix) {
            return mix.multiplyAccumulates(input);
        }
        if (block instanceof Convolution || block instanceof Linear) {
            Shape out = block.getOutputShapes(new Shape[] {input})[0];
            long weights = block.getParameters().get("weight").getShape().size();
            // A convolution applies its weights at every output position; a linear layer once.
            long positions = block instanceof Convolution ? out.size() / out.get(0) / out.get(1) : 1;
            return weights * positions;
        }
        return 0;
    }

    /** A short name of what a block is. */
    static String kind(Block block) {
        if (block instanceof MpoLinear) {
            return "mpo";
        }
        if (block instanceof ChannelMix) {
            return "conv 1x1";
        }
        if (block instanceof Convolution conv) {
            return "conv " + conv.getKernelShape().get(0) + "x" + conv.getKernelShape().get(1);
        }
        if (block instanceof Linear) {
            return "linear";
        }
        if (block instanceof SequentialBlock) {
            return "factorised";
        }
        return block.getClass().getSimpleName();
    }
}
