package dev.mmps.training.compression;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import dev.mmps.settings.ValidationException;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.linalg.RankSelector;
import dev.mmps.tensor.tt.TtSvd;
import dev.mmps.tensor.weights.Modes;
import dev.mmps.tensor.weights.Mpo;
import dev.mmps.tensor.weights.SvdSplit;
import dev.mmps.tensor.weights.Tucker2;
import dev.mmps.training.factorised.Blend;
import dev.mmps.training.factorised.Factorisation;
import dev.mmps.training.factorised.MpoLinear;
import dev.mmps.training.factorised.ProgressiveSchedule;
import dev.mmps.training.model.Architecture;
import dev.mmps.training.model.Classifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Turns a trained classifier into a factorised one whose layers start from the decomposition of the trained
 * weights, and trains a factorised classifier progressively against its original.
 */
public final class ModelCompression {

    /** How to factorise. */
    public enum Method {
        /** Every top-level 2-D convolution by Tucker-2 over its channel modes. */
        TUCKER2("tucker2"),
        /** Every top-level fully connected layer by a truncated SVD into two. */
        SVD_FC("svd-fc"),
        /** Every top-level fully connected layer as a matrix product operator. */
        MPO("mpo");

        private final String label;

        Method(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public static Method parse(String name) {
            for (Method m : values()) {
                if (m.label.equalsIgnoreCase(name == null ? "" : name.trim())) {
                    return m;
                }
            }
            throw new ValidationException("compression method '" + name + "' is unknown: use tucker2, svd-fc or mpo");
        }
    }

    /**
     * What to do.
     *
     * @param energy for {@code tucker2} and {@code svd-fc}: the fraction of each unfolding's squared Frobenius
     *     norm the kept singular values hold, in (0, 1]
     * @param bond for {@code mpo}: the bond dimension, at least 1
     * @param modes for {@code mpo}: per factorised layer in order, its output and input modes; empty for
     *     {@link Architecture#MPO_MODES} balanced modes
     */
    public record Request(Method method, double energy, int bond, List<Modes> modes) {

        /** One layer's modes: {@code out = m_1..m_d}, {@code in = n_1..n_d}. */
        public record Modes(int[] out, int[] in) {
            /** Parses {@code 4x4x4x4:4x7x7x4} (output modes, then input modes). */
            public static Modes parse(String text) {
                String[] sides = text.trim().split(":");
                try {
                    if (sides.length != 2) {
                        throw new NumberFormatException();
                    }
                    int[] out = Arrays.stream(sides[0].split("x")).mapToInt(Integer::parseInt).toArray();
                    int[] in = Arrays.stream(sides[1].split("x")).mapToInt(Integer::parseInt).toArray();
                    if (out.length != in.length) {
                        throw new ValidationException("modes '" + text + "' give " + out.length + " output and "
                                + in.length + " input modes; give both sides the same number, e.g. 4x4x4x4:4x7x7x4");
                    }
                    return new Modes(out, in);
                } catch (NumberFormatException e) {
                    throw new ValidationException("modes '" + text + "' are not OUTxOUT..:INxIN..; write the output "
                            + "modes, a colon and the input modes, e.g. 4x4x4x4:4x7x7x4");
                }
            }
        }

        public Request {
            if (method == null) {
                throw new ValidationException("no compression method given: use tucker2, svd-fc or mpo");
            }
            if (method == Method.MPO) {
                ValidationException.check(bond >= 1, "--bond " + bond + " is invalid: an MPO bond dimension must be "
                        + "at least 1; use for example --bond 4");
            } else {
                ValidationException.check(energy > 0 && energy <= 1, "--energy " + energy + " is invalid: the "
                        + "fraction of energy to keep must lie in (0, 1]; use for example --energy 0.9");
            }
            modes = List.copyOf(modes == null ? List.of() : modes);
        }

        /** One line, e.g. {@code tucker2 at energy 0.9}. */
        public String describe() {
            return method.label() + (method == Method.MPO ? " at bond " + bond
                    : String.format(Locale.ROOT, " at energy %.3g", energy));
        }
    }

    private ModelCompression() {}

    /**
     * A new classifier with the request's layers factorised, initialised from the decomposition of
     * {@code dense}'s trained weights and every other parameter copied.
     *
     * @throws ValidationException if the network has no layer the method can factorise, or the modes given
     *     do not fit its layers
     */
    public static Classifier decompose(Classifier dense, Request request) {
        SequentialBlock net = (SequentialBlock) dense.model().getBlock();
        List<Block> children = net.getChildren().values();
        List<Integer> targets = targets(children, request.method());
        if (targets.isEmpty()) {
            throw new ValidationException("the " + dense.spec().describe() + " model has no top-level "
                    + (request.method() == Method.TUCKER2 ? "2-D convolution" : "dense fully connected layer")
                    + " that " + request.method().label() + " can factorise (layers inside residual units and layers "
                    + "already factorised are not); use " + (request.method() == Method.TUCKER2
                            ? "--method svd-fc or mpo" : "--method tucker2") + ", or another model");
        }
        if (!request.modes().isEmpty() && request.modes().size() != targets.size()) {
            throw new ValidationException(request.modes().size() + " --modes given but the model has " + targets.size()
                    + " fully connected layers to factorise; give one OUT:IN per layer, in order, or none");
        }
        LowRankFactorizer factorizer = LowRankFactorizers.create("auto");
        Factorisation factorisation = dense.spec().factorisation();
        List<java.util.function.Consumer<List<Block>>> loads = new ArrayList<>();
        for (int t = 0; t < targets.size(); t++) {
            int index = targets.get(t);
            Block layer = children.get(index);
            float[] weight = layer.getParameters().get("weight").getArray().toFloatArray();
            Shape shape = layer.getParameters().get("weight").getShape();
            float[] bias = layer.getParameters().contains("bias")
                    ? layer.getParameters().get("bias").getArray().toFloatArray() : null;
            int out = (int) shape.get(0);
            int in = (int) shape.get(1);
            Factorisation.Layer plan;
            switch (request.method()) {
                case TUCKER2 -> {
                    Tucker2 tucker = Tucker2.decompose(weight, out, in, (int) shape.get(2), (int) shape.get(3),
                            RankSelector.energy(request.energy()), RankSelector.energy(request.energy()), factorizer);
                    plan = new Factorisation.Layer(index, Factorisation.Form.TUCKER2, List.of(out), List.of(in),
                            List.of(tucker.inRank(), tucker.outRank()));
                    loads.add(layers -> {
                        java.util.Iterator<Block> convs = layers.get(index).getChildren().values().iterator();
                        if (!tucker.fullInRank()) {
                            set(convs.next(), "weight", tucker.inWeights());
                        }
                        Block core = convs.next();
                        set(core, "weight", tucker.foldedCore());
                        Block last = tucker.fullOutRank() ? core : convs.next();
                        if (!tucker.fullOutRank()) {
                            set(last, "weight", tucker.outWeights());
                        }
                        if (bias != null) {
                            set(last, "bias", bias);
                        }
                    });
                }
                case SVD_FC -> {
                    SvdSplit split = SvdSplit.decompose(weight, out, in, RankSelector.energy(request.energy()),
                            factorizer);
                    plan = new Factorisation.Layer(index, Factorisation.Form.SVD, List.of(out), List.of(in),
                            List.of(split.rank()));
                    loads.add(layers -> {
                        List<Block> pair = layers.get(index).getChildren().values();
                        set(pair.get(0), "weight", split.first());
                        set(pair.get(1), "weight", split.second());
                        if (bias != null) {
                            set(pair.get(1), "bias", bias);
                        }
                    });
                }
                case MPO -> {
                    int[] outModes = request.modes().isEmpty() ? Modes.balanced(out, Architecture.MPO_MODES)
                            : request.modes().get(t).out();
                    int[] inModes = request.modes().isEmpty() ? Modes.balanced(in, Architecture.MPO_MODES)
                            : request.modes().get(t).in();
                    try {
                        Modes.requireFactor(outModes, out, "output");
                        Modes.requireFactor(inModes, in, "input");
                    } catch (IllegalArgumentException e) {
                        throw new ValidationException("layer " + index + " (" + in + " -> " + out + "): "
                                + e.getMessage());
                    }
                    Mpo mpo = Mpo.fromMatrix(weight, outModes, inModes, request.bond(), new TtSvd(factorizer));
                    plan = new Factorisation.Layer(index, Factorisation.Form.MPO, boxed(outModes), boxed(inModes),
                            boxed(mpo.bonds()));
                    loads.add(layers -> ((MpoLinear) layers.get(index)).load(mpo, bias == null ? new float[out] : bias));
                }
                default -> throw new IllegalStateException(request.method().toString());
            }
            factorisation = factorisation.with(plan);
        }
        Classifier compressed = Classifier.create(dense.spec().with(factorisation));
        SequentialBlock compressedNet = (SequentialBlock) compressed.model().getBlock();
        compressedNet.initialize(compressed.model().getNDManager(), DataType.FLOAT32, inputShape(dense));
        List<Block> compressedChildren = compressedNet.getChildren().values();
        for (int i = 0; i < children.size(); i++) {
            if (!targets.contains(i)) {
                copyParameters(children.get(i), compressedChildren.get(i));
            }
        }
        loads.forEach(load -> load.accept(compressedChildren));
        return compressed;
    }

    /** The positions of the top-level layers a method replaces. */
    static List<Integer> targets(List<Block> children, Method method) {
        List<Integer> targets = new ArrayList<>();
        for (int i = 0; i < children.size(); i++) {
            Block child = children.get(i);
            boolean fits = method == Method.TUCKER2 ? child instanceof Conv2d conv && conv.getGroups() == 1
                    : child instanceof Linear;
            if (fits) {
                targets.add(i);
            }
        }
        return targets;
    }

    /**
     * The factorised network with each factorised layer beside its original in a {@link Blend}, the originals
     * frozen: what progressive compression trains. The blends share their blocks with both networks, so
     * training it trains {@code compressed}.
     */
    public static Progressive progressive(Classifier dense, Classifier compressed, ProgressiveSchedule schedule) {
        List<Block> original = ((SequentialBlock) dense.model().getBlock()).getChildren().values();
        SequentialBlock factorisedNet = (SequentialBlock) compressed.model().getBlock();
        List<Block> factorised = factorisedNet.getChildren().values();
        List<Integer> added = compressed.spec().factorisation().addedTo(dense.spec().factorisation());
        SequentialBlock blended = new SequentialBlock();
        List<Blend> blends = new ArrayList<>();
        for (int i = 0; i < factorised.size(); i++) {
            if (added.contains(i)) {
                original.get(i).freezeParameters(true);
                Blend blend = new Blend(original.get(i), factorised.get(i));
                blends.add(blend);
                blended.add(blend);
            } else {
                blended.add(factorised.get(i));
            }
        }
        return new Progressive(blended, factorisedNet, blends, schedule);
    }

    /** A progressive run's network, and what sets the originals' share at each step. */
    public record Progressive(SequentialBlock blended, SequentialBlock factorised, List<Blend> blends,
            ProgressiveSchedule schedule) {

        /** Sets every blend's share for step {@code step}. */
        public void atStep(long step) {
            double share = schedule.share(step);
            blends.forEach(b -> b.setShare(share));
        }

        /** The originals' share now (every blend has the same). */
        public double share() {
            return blends.isEmpty() ? 0 : blends.get(0).share();
        }
    }

    static Shape inputShape(Classifier classifier) {
        var shape = classifier.spec().shape();
        return new Shape(1, shape.channels(), shape.height(), shape.width());
    }

    private static void copyParameters(Block from, Block to) {
        ParameterList source = from.getParameters();
        ParameterList target = to.getParameters();
        if (source.size() != target.size()) {
            throw new IllegalStateException(from + " and " + to + " differ in parameters");
        }
        for (int j = 0; j < source.size(); j++) {
            Parameter s = source.valueAt(j);
            target.valueAt(j).getArray().set(s.getArray().toFloatArray());
        }
    }

    private static void set(Block block, String name, float[] values) {
        block.getParameters().get(name).getArray().set(values);
    }

    private static List<Integer> boxed(int[] values) {
        return Arrays.stream(values).boxed().toList();
    }
}
