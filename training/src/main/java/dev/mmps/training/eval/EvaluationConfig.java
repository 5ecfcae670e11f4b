package dev.mmps.training.eval;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import dev.mmps.training.data.Augmentation;
import dev.mmps.training.distill.CorrectionLearner;
import dev.mmps.training.model.Architecture;
import dev.mmps.training.model.ClassifierTraining;
import dev.mmps.training.select.Selection;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The training stage's settings: the documented defaults ({@code conf/evaluation.conf}, packaged in the
 * jar) overlaid by an optional user file, overlaid by command-line values, checked when loaded.
 *
 * @param tables the factor-table path pattern with {@code {codec}} and {@code {ratio}}, or null
 * @param subsets the path pattern of subsets made by {@code mmps select}, with {@code {method}}, {@code {ratio}}
 *     and {@code {seed}}, or null to select in-process
 */
public record EvaluationConfig(Path output, Path train, Path test, String tables, String subsets, List<Method> methods,
        List<Double> ratios, List<Architecture> architectures, List<Integer> seeds, int batchSize,
        Augmentation augmentation, ClassifierTraining.Settings student, Teacher teacher,
        CorrectionLearner.Settings correction, int correctionSeed, Selection.Features kcenterFeatures) {

    private static final String ROOT = "evaluation.";

    /** The teacher's architecture, training and seed. */
    public record Teacher(Architecture architecture, ClassifierTraining.Settings training, int seed) {}

    public EvaluationConfig {
        methods = List.copyOf(methods);
        ratios = List.copyOf(ratios);
        architectures = List.copyOf(architectures);
        seeds = List.copyOf(seeds);
    }

    /**
     * @param userFile a config file, or null
     * @param overrides values by key under {@code evaluation.}, e.g. {@code teacher.epochs}
     * @throws IllegalArgumentException for a missing file or any invalid value, naming the key
     */
    public static EvaluationConfig load(File userFile, Map<String, Object> overrides) {
        Config reference = ConfigFactory.parseResources(EvaluationConfig.class.getClassLoader(), "evaluation.conf");
        if (!reference.hasPath("evaluation")) {
            throw new IllegalStateException("evaluation.conf is missing from the classpath; rebuild the training jar");
        }
        Config user = ConfigFactory.empty();
        if (userFile != null) {
            if (!userFile.isFile()) {
                throw new IllegalArgumentException("config file " + userFile + " does not exist; pass an existing file "
                        + "to --config (its keys are those of conf/evaluation.conf)");
            }
            try {
                user = ConfigFactory.parseFile(userFile, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
                        .setAllowMissing(false));
            } catch (ConfigException e) {
                throw new IllegalArgumentException("config file " + userFile + " cannot be read: " + e.getMessage(), e);
            }
        }
        Config cli = ConfigFactory.empty();
        for (Map.Entry<String, Object> e : overrides.entrySet()) {
            cli = cli.withValue(ROOT + e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
        }
        Config c = cli.withFallback(user).withFallback(reference).resolve();
        try {
            return build(c);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("configuration error: " + e.getMessage(), e);
        }
    }

    private static EvaluationConfig build(Config c) {
        List<Method> methods = new ArrayList<>(new LinkedHashSet<>(c.getStringList(ROOT + "methods").stream()
                .map(Method::parse).toList()));
        if (methods.isEmpty()) {
            throw new IllegalArgumentException("evaluation.methods is empty; list at least one, e.g. [original, mmps]");
        }
        if (c.getBoolean(ROOT + "ablation") && methods.contains(Method.MMPS_KD) && !methods.contains(Method.MPS_KD)) {
            methods.add(Method.MPS_KD);
        }
        List<Double> ratios = c.getDoubleList(ROOT + "ratios");
        for (double r : ratios) {
            if (!(r > 0 && r <= 1)) {
                throw new IllegalArgumentException("evaluation.ratios holds " + r + ": every ratio must be in (0, 1]");
            }
        }
        if (ratios.isEmpty() && methods.stream().anyMatch(Method::usesRatio)) {
            throw new IllegalArgumentException("evaluation.ratios is empty but methods " + methods + " need a ratio; "
                    + "list some, e.g. [0.3, 0.5, 0.7]");
        }
        List<Architecture> architectures = c.getStringList(ROOT + "architectures").stream().map(Architecture::parse)
                .distinct().toList();
        List<Integer> seeds = c.getIntList(ROOT + "seeds").stream().distinct().toList();
        if (architectures.isEmpty() || seeds.isEmpty()) {
            throw new IllegalArgumentException("evaluation.architectures and evaluation.seeds need at least one value "
                    + "each, e.g. [convnet] and [1, 2, 3]");
        }
        int batchSize = positive(c, "batch-size");
        Augmentation augmentation = new Augmentation(c.getInt(ROOT + "augmentation.padding"),
                c.getBoolean(ROOT + "augmentation.flip"));
        Teacher teacher = new Teacher(Architecture.parse(c.getString(ROOT + "teacher.architecture")),
                training(c, "teacher"), c.getInt(ROOT + "teacher.seed"));
        CorrectionLearner.Settings correction = new CorrectionLearner.Settings(c.getInt(ROOT + "correction.rank"),
                c.getInt(ROOT + "correction.steps"), (float) c.getDouble(ROOT + "correction.learning-rate"),
                c.getInt(ROOT + "correction.batch-size"));
        String tables = string(c, "tables");
        if (tables != null && (!tables.contains("{codec}") || !tables.contains("{ratio}"))) {
            throw new IllegalArgumentException("evaluation.tables '" + tables + "' must contain {codec} and {ratio}, "
                    + "e.g. out/cifar10-{codec}-{ratio}");
        }
        String subsets = string(c, "subsets");
        if (subsets != null && !(subsets.contains("{method}") && subsets.contains("{ratio}")
                && subsets.contains("{seed}"))) {
            throw new IllegalArgumentException("evaluation.subsets '" + subsets + "' must contain {method}, {ratio} "
                    + "and {seed}, e.g. out/cifar10-{method}-{ratio}-{seed}");
        }
        return new EvaluationConfig(path(c, "output"), path(c, "train"), path(c, "test"), tables, subsets, methods,
                ratios, architectures, seeds, batchSize, augmentation, training(c, "student"), teacher, correction,
                c.getInt(ROOT + "correction.seed"), Selection.Features.parse(c.getString(ROOT + "kcenter.features")));
    }

    private static ClassifierTraining.Settings training(Config c, String block) {
        String p = ROOT + block + ".";
        try {
            return new ClassifierTraining.Settings(c.getInt(p + "epochs"), (float) c.getDouble(p + "learning-rate"),
                    (float) c.getDouble(p + "momentum"), (float) c.getDouble(p + "weight-decay"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(p + "*: " + e.getMessage(), e);
        }
    }

    private static int positive(Config c, String key) {
        int v = c.getInt(ROOT + key);
        if (v < 1) {
            throw new IllegalArgumentException("evaluation." + key + "=" + v + " is invalid: it must be at least 1");
        }
        return v;
    }

    private static String string(Config c, String key) {
        return c.getIsNull(ROOT + key) ? null : c.getString(ROOT + key).trim();
    }

    private static Path path(Config c, String key) {
        String s = string(c, key);
        return s == null || s.isEmpty() ? null : Path.of(s);
    }

    /** A required path, or an error saying where to set it. */
    public static Path require(Path value, String key) {
        if (value == null) {
            throw new IllegalArgumentException("evaluation." + key + " is not set; set it in the --config file (its "
                    + "keys are those of conf/evaluation.conf)");
        }
        return value;
    }

    /** The factor table of a codec at a ratio, from the {@code tables} pattern. */
    public Path table(String codec, double ratio) {
        if (tables == null) {
            throw new IllegalArgumentException("evaluation.tables is not set but the grid has codec methods; set it to "
                    + "a pattern such as out/cifar10-{codec}-{ratio}");
        }
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
