package dev.mmps.training.eval;

import com.typesafe.config.Config;
import dev.mmps.settings.ConfigLayers;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.condense.Condensation;
import dev.mmps.training.condense.Experts;
import dev.mmps.training.condense.LowRankForm;
import dev.mmps.training.condense.SpectralForm;
import dev.mmps.training.condense.Students;
import dev.mmps.training.data.Augmentation;
import dev.mmps.training.device.DeviceSetting;
import dev.mmps.training.distill.CorrectionLayer;
import dev.mmps.training.distill.CorrectionLearner;
import dev.mmps.training.distill.DistillationLoss;
import dev.mmps.training.distill.LayerLearner;
import dev.mmps.training.model.Architecture;
import dev.mmps.training.model.ClassifierTraining;
import dev.mmps.training.select.Selection;
import java.io.File;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The training stage's settings: the documented defaults ({@code conf/evaluation.conf}, packaged in the
 * jar) overlaid by an optional user file, overlaid by command-line values, checked when loaded.
 *
 * @param tables the factor-table path pattern with {@code {codec}} and {@code {ratio}}, or null
 * @param mpoBond the bond dimension of the -mpo architectures' MPO layers
 * @param subsets the path pattern of subsets made by {@code mmps select}, with {@code {method}}, {@code {ratio}}
 *     and {@code {seed}}, or null to select in-process
 * @param schedule how the students' epochs follow their sources' sizes
 * @param validation the held-out split that chooses learning rates and checkpoints, or off
 * @param layer how the layer form of Eq. 7's correction is learned ({@code correction.layer})
 * @param distillation the distillation grid at budgets of images per class ({@code evaluation.distillation})
 * @param device where to train ({@code evaluation.device}, which {@code MMPS_DEVICE} and {@code --device} set too)
 */
public record EvaluationConfig(Path output, Path train, Path test, String tables, String subsets, List<Method> methods,
        List<Double> ratios, List<Architecture> architectures, int mpoBond, List<Integer> seeds, int batchSize,
        Augmentation augmentation, ClassifierTraining.Settings student, Schedule schedule, Validation validation,
        Teacher teacher,
        CorrectionLearner.Settings correction, LayerLearner.Settings layer, int correctionSeed,
        Selection.Features kcenterFeatures,
        Experts.Settings experts,
        Condensation.Settings condense,
        DistillationGrid.Settings distillation,
        DeviceSetting device) {

    private static final String DEFAULTS = "evaluation.conf";
    private static final String ROOT = "evaluation";

    /** The teacher's architecture, training and seed. */
    public record Teacher(Architecture architecture, ClassifierTraining.Settings training, int seed) {}

    /**
     * Original training images held out of every student's training ({@code evaluation.validation}).
     *
     * @param fraction the share of the training set held out, 0 for none (then students keep their last epoch
     *     and train at {@code student.learning-rate})
     * @param learningRates the students' starting learning rates to choose from, once per architecture, by
     *     the validation accuracy of students on the original training part; empty keeps
     *     {@code student.learning-rate}
     */
    public record Validation(double fraction, int seed, List<Float> learningRates) {
        public Validation {
            if (!(fraction >= 0 && fraction < 1)) {
                throw new IllegalArgumentException("fraction=" + fraction + " is invalid: hold out a share in [0, 1) "
                        + "of the training images, e.g. 0.1, or 0 for none");
            }
            for (float rate : learningRates) {
                if (!(rate > 0) || !Float.isFinite(rate)) {
                    throw new IllegalArgumentException("learning-rates holds " + rate + ": every rate must be a "
                            + "positive number, e.g. [0.1, 0.01, 0.001]");
                }
            }
            if (fraction == 0 && !learningRates.isEmpty()) {
                throw new IllegalArgumentException("learning-rates " + learningRates + " are chosen on the "
                        + "validation split, but fraction=0 holds out none; set fraction (e.g. 0.1) or learning-rates = []");
            }
            learningRates = List.copyOf(learningRates);
        }

        /** Whether any image is held out. */
        public boolean on() {
            return fraction > 0;
        }

        /** No split: the last epoch, at {@code student.learning-rate}. */
        public static final Validation OFF = new Validation(0, 0, List.of());
    }

    public EvaluationConfig {
        methods = List.copyOf(methods);
        ratios = List.copyOf(ratios);
        architectures = List.copyOf(architectures);
        seeds = List.copyOf(seeds);
    }

    /**
     * The defaults of {@code conf/evaluation.conf}, overlaid by {@code userFile}, overlaid by {@code overrides}.
     *
     * @param userFile a config file, or null
     * @param overrides values by key under {@code evaluation.}, e.g. {@code teacher.epochs}
     * @throws ValidationException for a missing or malformed file or any invalid value, naming the key
     */
    public static EvaluationConfig load(File userFile, Map<String, ?> overrides) {
        return ConfigLayers.load(DEFAULTS, ROOT, userFile, overrides).build(layers -> build(layers.merged()));
    }

    private static EvaluationConfig build(Config c) {
        List<Method> methods = new ArrayList<>(new LinkedHashSet<>(c.getStringList("methods").stream()
                .map(m -> setting("methods", () -> Method.parse(m))).toList()));
        DistillationGrid.Settings distillation = setting("distillation", () -> new DistillationGrid.Settings(
                c.getIntList("distillation.ipcs"), c.getStringList("distillation.methods"),
                c.getDouble("distillation.subset-ratio"), path(c, "distillation.experts"), new Students.Settings(c.getInt("distillation.student.steps"),
                        c.getDouble("distillation.student.momentum"), c.getDouble("distillation.student.weight-decay"),
                        c.getInt("distillation.student.batch-size"), c.getInt("distillation.student.shift"),
                        c.getBoolean("distillation.student.flip"))));
        ValidationException.check(!methods.isEmpty() || !distillation.ipcs().isEmpty(),
                "evaluation.methods and evaluation.distillation.ipcs are both empty; list at least one method, e.g. "
                        + "[original, mmps], or a budget, e.g. distillation.ipcs = [1, 10]");
        if (c.getBoolean("ablation") && methods.contains(Method.MMPS_KD) && !methods.contains(Method.MPS_KD)) {
            methods.add(Method.MPS_KD);
        }
        if (c.getBoolean("ablation") && methods.contains(Method.MMPS_LAYER) && !methods.contains(Method.MPS_LAYER)) {
            methods.add(Method.MPS_LAYER);
        }
        List<Double> ratios = c.getDoubleList("ratios");
        for (double r : ratios) {
            ValidationException.check(r > 0 && r <= 1, "evaluation.ratios holds " + r + ": every ratio must be in "
                    + "(0, 1], e.g. [0.3, 0.5, 0.7]");
        }
        ValidationException.check(!ratios.isEmpty() || methods.stream().noneMatch(Method::usesRatio),
                "evaluation.ratios is empty but methods " + methods + " need a ratio; list some, e.g. [0.3, 0.5, 0.7]");
        List<Architecture> architectures = c.getStringList("architectures").stream()
                .map(a -> setting("architectures", () -> Architecture.parse(a))).distinct().toList();
        List<Integer> seeds = c.getIntList("seeds").stream().distinct().toList();
        ValidationException.check(!architectures.isEmpty() && !seeds.isEmpty(), "evaluation.architectures and "
                + "evaluation.seeds need at least one value each, e.g. [convnet] and [1, 2, 3]");
        int batchSize = positive(c, "batch-size");
        Augmentation augmentation = setting("augmentation", () -> new Augmentation(c.getInt("augmentation.padding"),
                c.getBoolean("augmentation.flip")));
        Teacher teacher = new Teacher(setting("teacher.architecture",
                () -> Architecture.parse(c.getString("teacher.architecture"))), training(c, "teacher"),
                c.getInt("teacher.seed"));
        CorrectionLearner.Settings correction = setting("correction", () -> new CorrectionLearner.Settings(
                c.getInt("correction.rank"), c.getInt("correction.steps"),
                (float) c.getDouble("correction.learning-rate"), c.getInt("correction.batch-size")));
        String tables = string(c, "tables");
        ValidationException.check(tables == null || (tables.contains("{codec}") && tables.contains("{ratio}")),
                "evaluation.tables '" + tables + "' must contain {codec} and {ratio}, e.g. out/cifar10-{codec}-{ratio}");
        String subsets = string(c, "subsets");
        ValidationException.check(subsets == null || (subsets.contains("{method}") && subsets.contains("{ratio}")
                && subsets.contains("{seed}")), "evaluation.subsets '" + subsets + "' must contain {method}, {ratio} "
                + "and {seed}, e.g. out/cifar10-{method}-{ratio}-{seed}");
        return new EvaluationConfig(path(c, "output"), path(c, "train"), path(c, "test"), tables, subsets, methods,
                ratios, architectures, positive(c, "mpo-bond"), seeds, batchSize, augmentation, training(c, "student"),
                setting("student.schedule", () -> Schedule.parse(c.getString("student.schedule"))),
                setting("validation", () -> new Validation(c.getDouble("validation.fraction"),
                        c.getInt("validation.seed"), c.getDoubleList("validation.learning-rates").stream()
                                .map(Double::floatValue).toList())), teacher, correction,
                setting("correction.layer", () -> new LayerLearner.Settings(
                        CorrectionLayer.Form.parse(c.getString("correction.layer.form")),
                        new DistillationLoss(DistillationLoss.Kind.parse(c.getString("correction.layer.loss")),
                                c.getDouble("correction.layer.temperature")), c.getInt("correction.layer.epochs"),
                        (float) c.getDouble("correction.layer.learning-rate"), c.getInt("correction.layer.batch-size"))),
                c.getInt("correction.seed"), setting("kcenter.features",
                        () -> Selection.Features.parse(c.getString("kcenter.features"))),
                setting("experts", () -> new Experts.Settings(c.getInt("experts.filters"), c.getInt("experts.depth"),
                        c.getInt("experts.count"), c.getInt("experts.epochs"), c.getDouble("experts.learning-rate"),
                        c.getInt("experts.batch-size"), new Augmentation(c.getInt("experts.augmentation.padding"),
                                c.getBoolean("experts.augmentation.flip")), c.getLong("experts.seed"))),
                setting("condense", () -> new Condensation.Settings(c.getString("condense.method"),
                        c.getInt("condense.ipc"), c.getInt("condense.iterations"), c.getInt("condense.syn-steps"),
                        c.getInt("condense.syn-batch"), c.getInt("condense.expert-epochs"),
                        c.getInt("condense.max-start-epoch"), c.getDouble("condense.image-learning-rate"),
                        c.getDouble("condense.rate-learning-rate"), c.getDouble("condense.start-rate"),
                        c.getInt("condense.checkpoint-every"), c.getLong("condense.seed"),
                        new SpectralForm.Settings(c.getInt("condense.nsd.tensors"), c.getInt("condense.nsd.kernels"),
                                c.getInt("condense.nsd.expansion"), c.getDouble("condense.nsd.guidance"),
                                c.getDouble("condense.nsd.side")),
                        new LowRankForm.Settings(LowRankForm.Settings.parseRank(c.getString("condense.lss.rank")),
                                c.getBoolean("condense.lss.soft-labels"), c.getDouble("condense.lss.label-learning-rate"),
                                c.getDouble("condense.lss.window-start"), c.getInt("condense.lss.subspaces"),
                                c.getInt("condense.lss.auto-images")))),
                distillation,
                setting("device", () -> DeviceSetting.parse(c.getString("device"))));
    }

    /**
     * A value built from a block of settings; a value its type refuses (an {@link IllegalArgumentException}
     * of the record's own checks) is the user's, and its message is prefixed with the key.
     */
    private static <T> T setting(String key, Supplier<T> value) {
        try {
            return value.get();
        } catch (IllegalArgumentException | ValidationException e) {
            throw new ValidationException("evaluation." + key + ": " + e.getMessage(), e);
        }
    }

    private static ClassifierTraining.Settings training(Config c, String block) {
        String p = block + ".";
        return setting(block, () -> new ClassifierTraining.Settings(c.getInt(p + "epochs"),
                (float) c.getDouble(p + "learning-rate"), (float) c.getDouble(p + "momentum"),
                (float) c.getDouble(p + "weight-decay")));
    }

    private static int positive(Config c, String key) {
        int v = c.getInt(key);
        ValidationException.check(v >= 1, "evaluation." + key + "=" + v + " is invalid: it must be at least 1");
        return v;
    }

    private static String string(Config c, String key) {
        return c.getIsNull(key) ? null : c.getString(key).trim();
    }

    private static Path path(Config c, String key) {
        String s = string(c, key);
        return s == null || s.isEmpty() ? null : setting(key, () -> pathOf(s));
    }

    private static Path pathOf(String s) {
        try {
            return Path.of(s);
        } catch (InvalidPathException e) {
            throw new ValidationException("'" + s + "' is not a path: " + e.getReason(), e);
        }
    }

    /** A required path, or an error saying where to set it. */
    public static Path require(Path value, String key) {
        ValidationException.check(value != null, "evaluation." + key + " is not set; set it in the --config file "
                + "(its keys are those of conf/evaluation.conf)");
        return value;
    }

    /** The factor table of a codec at a ratio, from the {@code tables} pattern. */
    public Path table(String codec, double ratio) {
        ValidationException.check(tables != null, "evaluation.tables is not set but the grid has codec methods; set "
                + "it to a pattern such as out/cifar10-{codec}-{ratio}");
        return Path.of(tables.replace("{codec}", codec).replace("{ratio}", ratioText(ratio)));
    }

    /** The {@code mmps select} output of a selection method at a ratio and seed, from the {@code subsets} pattern. */
    public Path subset(Method method, double ratio, int seed) {
        return Path.of(subsets.replace("{method}", method.label()).replace("{ratio}", ratioText(ratio))
                .replace("{seed}", Integer.toString(seed)));
    }

    /** A ratio as the tables and reports write it: 0.3, 0.5, 0.25. */
    public static String ratioText(double ratio) {
        String s = String.format(Locale.ROOT, "%.4f", ratio).replaceAll("0+$", "");
        return s.endsWith(".") ? s + "0" : s;
    }
}
