package dev.mmps.training.factorised;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.mmps.settings.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which layers of a network are factorised, and how: part of a classifier's contract, saved in its
 * {@code classifier.json} so that the loader rebuilds the same structure before reading the parameters.
 * Layers are named by their position among the network's top-level blocks.
 *
 * @param layers one entry per replaced layer, by position
 */
public record Factorisation(List<Layer> layers) {

    /** The network as its architecture builds it. */
    public static final Factorisation NONE = new Factorisation(List.of());

    /** The forms a layer can take. */
    public enum Form {
        /** A convolution as 1x1, {@code k x k} core and 1x1 convolutions; ranks {@code R_in, R_out}. */
        TUCKER2,
        /** A fully connected layer as two thinner ones; ranks {@code r}. */
        SVD,
        /** A fully connected layer as a matrix product operator; ranks the bonds {@code D_0 .. D_d}. */
        MPO;

        @com.fasterxml.jackson.annotation.JsonValue
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        public static Form parse(String label) {
            for (Form f : values()) {
                if (f.label().equals(label)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("layer form '" + label + "' is unknown: use tucker2, svd or mpo");
        }
    }

    /**
     * One replaced layer.
     *
     * @param index the position among the network's top-level blocks
     * @param out the output size ({@code C_out} or units), as modes for {@link Form#MPO}
     * @param in the input size ({@code C_in} or features), as modes for {@link Form#MPO}
     * @param ranks see {@link Form}
     */
    public record Layer(int index, Form form, List<Integer> out, List<Integer> in, List<Integer> ranks) {
        public Layer {
            out = List.copyOf(out);
            in = List.copyOf(in);
            ranks = List.copyOf(ranks);
        }

        @JsonIgnore
        int[] outArray() {
            return out.stream().mapToInt(Integer::intValue).toArray();
        }

        @JsonIgnore
        int[] inArray() {
            return in.stream().mapToInt(Integer::intValue).toArray();
        }

        @JsonIgnore
        int[] rankArray() {
            return ranks.stream().mapToInt(Integer::intValue).toArray();
        }

        /** One line for logs and tables, e.g. {@code tucker2 64->64 ranks 23, 31}. */
        public String describe() {
            return form.label() + " " + join(in) + "->" + join(out) + " ranks " + join(ranks);
        }

        private static String join(List<Integer> values) {
            return String.join("x", values.stream().map(String::valueOf).toList());
        }
    }

    public Factorisation {
        layers = List.copyOf(layers == null ? List.of() : layers);
    }

    @JsonIgnore
    public boolean isNone() {
        return layers.isEmpty();
    }

    /** The replaced layers by position. */
    @JsonIgnore
    public Map<Integer, Layer> byIndex() {
        Map<Integer, Layer> map = new TreeMap<>();
        for (Layer layer : layers) {
            if (map.put(layer.index(), layer) != null) {
                throw new ValidationException("layer " + layer.index() + " is factorised twice in " + this);
            }
        }
        return map;
    }

    /**
     * The network with the listed layers replaced by their factorised forms, uninitialised.
     *
     * @throws ValidationException if a listed layer is not of the kind its form replaces
     */
    public SequentialBlock apply(SequentialBlock dense) {
        if (isNone()) {
            return dense;
        }
        Map<Integer, Layer> replaced = byIndex();
        List<Block> children = dense.getChildren().values();
        int last = java.util.Collections.max(replaced.keySet());
        if (last >= children.size()) {
            throw new ValidationException("the factorisation names layer " + last + " but the network has "
                    + children.size() + " top-level blocks; the model's classifier.json does not match its architecture");
        }
        SequentialBlock net = new SequentialBlock();
        for (int i = 0; i < children.size(); i++) {
            Layer layer = replaced.get(i);
            net.add(layer == null ? children.get(i) : replacement(children.get(i), layer));
        }
        return net;
    }

    /** The factorised form of one layer, uninitialised. */
    static Block replacement(Block dense, Layer layer) {
        int[] ranks = layer.rankArray();
        return switch (layer.form()) {
            case TUCKER2 -> {
                if (!(dense instanceof Conv2d conv) || conv.getGroups() != 1) {
                    throw new ValidationException("layer " + layer.index() + " is " + dense + ", not a plain 2-D "
                            + "convolution, so Tucker-2 cannot replace it");
                }
                yield tucker2(conv, layer.in().get(0), ranks[0], ranks[1]);
            }
            case SVD -> {
                requireLinear(dense, layer);
                yield new SequentialBlock().add(Linear.builder().setUnits(ranks[0]).optBias(false).build())
                        .add(Linear.builder().setUnits(layer.out().get(0)).build());
            }
            case MPO -> {
                requireLinear(dense, layer);
                yield new MpoLinear(layer.outArray(), layer.inArray(), ranks);
            }
        };
    }

    private static void requireLinear(Block dense, Layer layer) {
        if (!(dense instanceof Linear)) {
            throw new ValidationException("layer " + layer.index() + " is " + dense + ", not a fully connected layer, "
                    + "so " + layer.form().label() + " cannot replace it");
        }
    }

    /**
     * 1x1 ({@code C_in -> R_in}), the {@code k x k} core with the original stride and padding, 1x1 with the bias;
     * the 1x1 layers as {@link ChannelMix} products.
     * A mode kept at full rank ({@code R_in = C_in} or {@code R_out = C_out}) has no 1x1 convolution: its
     * factor is an orthogonal rotation, folded into the core ({@link dev.mmps.tensor.weights.Tucker2#foldedCore}).
     */
    static SequentialBlock tucker2(Conv2d conv, int inChannels, int inRank, int outRank) {
        boolean inFactor = inRank < inChannels;
        boolean outFactor = outRank < conv.getFilters();
        SequentialBlock net = new SequentialBlock();
        if (inFactor) {
            net.add(new ChannelMix(inChannels, inRank, false));
        }
        net.add(Conv2d.builder().setFilters(outFactor ? outRank : conv.getFilters()).setKernelShape(conv.getKernelShape())
                .optStride(conv.getStride()).optPadding(conv.getPadding()).optDilation(conv.getDilation())
                .optBias(!outFactor && conv.isIncludeBias()).build());
        if (outFactor) {
            net.add(new ChannelMix(outRank, conv.getFilters(), conv.isIncludeBias()));
        }
        return net;
    }

    /** The positions this factorisation replaces that {@code before} left as they were, in order. */
    public List<Integer> addedTo(Factorisation before) {
        Map<Integer, Layer> earlier = before.byIndex();
        return byIndex().keySet().stream().filter(i -> !earlier.containsKey(i)).toList();
    }

    /** This factorisation with another layer added. */
    public Factorisation with(Layer layer) {
        List<Layer> all = new ArrayList<>(layers);
        all.add(layer);
        return new Factorisation(all);
    }
}
