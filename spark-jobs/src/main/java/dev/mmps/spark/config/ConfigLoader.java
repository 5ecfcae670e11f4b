package dev.mmps.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import dev.mmps.images.ChannelMode;
import dev.mmps.table.Precision;
import dev.mmps.tensor.codec.CodecChoice;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.IndexOrder;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import java.io.File;
import java.util.Locale;
import java.util.Map;

/**
 * Loads a {@link JobConfig}: the documented defaults ({@code conf/reference.conf}, packaged in the
 * jar), overlaid by an optional user file, overlaid by command-line values. Every value is checked
 * here, so a bad one fails before Spark starts, with a message naming the key, the value and the
 * fix.
 */
public final class ConfigLoader {

    private static final String ROOT = "mmps.";

    private ConfigLoader() {}

    /**
     * @param userFile a config file, or null
     * @param overrides command-line values by key (without the {@code mmps.} prefix)
     * @throws IllegalArgumentException for any invalid value
     */
    public static JobConfig load(File userFile, Map<String, Object> overrides) {
        Layers layers = layers(userFile, overrides);
        try {
            return build(layers.merged(), layers.explicit());
        } catch (ConfigException e) {
            throw new IllegalArgumentException("configuration error: " + e.getMessage(), e);
        }
    }

    /**
     * The settings of {@code mmps select}: the job's input, output, Spark and ingest settings as for
     * compress, and the {@code selection} section.
     *
     * @throws IllegalArgumentException for any invalid value
     */
    public static SelectionConfig loadSelection(File userFile, Map<String, Object> overrides) {
        Layers layers = layers(userFile, overrides);
        try {
            JobConfig job = build(layers.merged(), layers.explicit());
            return new SelectionConfig(job, selection(layers.merged(), job.ingest().channels()));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("configuration error: " + e.getMessage(), e);
        }
    }

    /** The merged configuration, and the part of it the user set (file and flags). */
    private record Layers(Config merged, Config explicit) {}

    private static Layers layers(File userFile, Map<String, Object> overrides) {
        Config reference = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), "reference.conf");
        if (!reference.hasPath("mmps")) {
            throw new IllegalStateException("reference.conf is missing from the classpath; rebuild the jar");
        }
        Config user = ConfigFactory.empty();
        if (userFile != null) {
            if (!userFile.isFile()) {
                throw new IllegalArgumentException("config file " + userFile + " does not exist; pass an existing "
                        + "file to --config, for example conf/cluster.conf");
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
            cli = cli.withValue(ROOT + e.getKey(), com.typesafe.config.ConfigValueFactory.fromAnyRef(e.getValue()));
        }
        Config explicit = cli.withFallback(user);
        try {
            return new Layers(explicit.withFallback(reference).resolve(), explicit);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("configuration error: " + e.getMessage(), e);
        }
    }

    private static SelectionSettings selection(Config c, ChannelMode channels) {
        String method = c.getString(ROOT + "selection.method").trim().toLowerCase(Locale.ROOT);
        double ratio = c.getDouble(ROOT + "selection.ratio");
        ImageShape size = parseSize(c.getString(ROOT + "selection.feature-size"));
        return new SelectionSettings(method, ratio, c.getLong(ROOT + "selection.seed"), size.height(), size.width(),
                channels == ChannelMode.GRAY ? 1 : 3, c.getInt(ROOT + "selection.group-images"));
    }

    private static JobConfig build(Config c, Config explicit) {
        String input = string(c, "input");
        String output = string(c, "output");
        if (input == null || input.isBlank()) {
            throw new IllegalArgumentException("no input given; pass --input PATH (an image folder or IDX files)");
        }
        if (output == null || output.isBlank()) {
            throw new IllegalArgumentException("no output given; pass --output PATH (a folder to create)");
        }
        int partitions = c.getInt(ROOT + "spark.partitions");
        if (partitions < 0) {
            throw new IllegalArgumentException("spark.partitions=" + partitions
                    + " is invalid: use 0 (automatic) or a positive number");
        }
        JobConfig.SparkSettings spark = new JobConfig.SparkSettings(c.getString(ROOT + "spark.master"),
                c.getString(ROOT + "spark.app-name"), partitions, c.getBoolean(ROOT + "spark.ui"));

        String size = c.getString(ROOT + "ingest.size").trim();
        int height = 0;
        int width = 0;
        if (!size.isEmpty()) {
            ImageShape parsed = parseSize(size);
            height = parsed.height();
            width = parsed.width();
        }
        long maxPixels = c.getLong(ROOT + "ingest.max-pixels");
        if (maxPixels < 1) {
            throw new IllegalArgumentException("ingest.max-pixels=" + maxPixels + " is invalid: it must be at least 1");
        }
        long maxFileBytes = c.getBytes(ROOT + "ingest.max-file-bytes");
        if (maxFileBytes < 1 || maxFileBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("ingest.max-file-bytes=" + maxFileBytes + " is invalid: use between 1 "
                    + "and 2g (a file is read into memory whole), for example 128m");
        }
        JobConfig.IngestSettings ingest = new JobConfig.IngestSettings(height, width,
                ChannelMode.parse(c.getString(ROOT + "ingest.channels")), maxPixels, maxFileBytes);

        int stages = c.getInt(ROOT + "compression.stages");
        if (stages < 1 || stages > CompressionSpec.MAX_STAGES) {
            throw new IllegalArgumentException("stages=" + stages + " is invalid: use between 1 and "
                    + CompressionSpec.MAX_STAGES + " (1 is a single MPS, 2 the paper's MMPS)");
        }
        int mpsCores = c.getInt(ROOT + "compression.mps-cores");
        if (mpsCores < 2) {
            throw new IllegalArgumentException("mps-cores=" + mpsCores
                    + " is invalid: an MPS needs at least 2 cores (the paper uses 5)");
        }
        String route = c.getString(ROOT + "compression.route").trim().toLowerCase(Locale.ROOT);
        if (!LowRankFactorizers.NAMES.contains(route)) {
            throw new IllegalArgumentException("route '" + route + "' is unknown: use one of " + LowRankFactorizers.NAMES);
        }
        int calibration = c.getInt(ROOT + "compression.calibration-images");
        if (calibration < 0) {
            throw new IllegalArgumentException("calibration-images=" + calibration
                    + " is invalid: use 0 (uniform caps) or a positive number of sample images");
        }
        String layout = c.getString(ROOT + "compression.layout").trim();
        if (!layout.isEmpty() && !layout.toLowerCase(Locale.ROOT).startsWith("row:")
                && !layout.toLowerCase(Locale.ROOT).startsWith("block:")) {
            throw new IllegalArgumentException("layout '" + layout + "' is malformed: start it with row: or block:, "
                    + "for example block:2x2,4x4,2x2,2x2,1x1x3");
        }
        Object[] truncation = truncation(c, explicit);
        CodecChoice codec = new CodecChoice(c.getString(ROOT + "compression.codec"),
                c.getInt(ROOT + "compression.tucker.hooi-sweeps"), c.getDouble(ROOT + "compression.tucker.energy"),
                c.getInt(ROOT + "compression.cp.max-sweeps"), c.getDouble(ROOT + "compression.cp.tolerance"),
                c.getLong(ROOT + "compression.cp.seed"));
        if (codec.name().equals("mps")) {
            if (explicit.hasPath(ROOT + "compression.stages") && stages != 1) {
                throw new IllegalArgumentException("codec mps is a single MPS but stages=" + stages + " is given; use "
                        + "--codec mmps --stages " + stages + ", or drop --stages");
            }
            stages = 1;
        }
        if (!codec.tensorTrain() && !(truncation[0] instanceof Truncation.TargetRatio)
                && !(codec.name().equals("tucker") && codec.tuckerEnergy() > 0)) {
            throw new IllegalArgumentException("codec " + codec.name() + " takes --ratio, not " + truncation[1]
                    + "; --max-bond and --epsilon are for mmps and mps");
        }
        JobConfig.CompressionSettings compression = new JobConfig.CompressionSettings((Truncation) truncation[0],
                (String) truncation[1], stages, IndexOrder.parse(c.getString(ROOT + "compression.order")), mpsCores,
                layout, route, calibration, codec, Precision.parse(c.getString(ROOT + "compression.precision")));

        int rowGroupMb = c.getInt(ROOT + "output-format.row-group-mb");
        if (rowGroupMb < 1 || rowGroupMb > 1024) {
            throw new IllegalArgumentException("output-format.row-group-mb=" + rowGroupMb
                    + " is invalid: use between 1 and 1024 (tens of MB suit streaming readers)");
        }
        int progress = c.getInt(ROOT + "progress-interval-seconds");
        if (progress < 1) {
            throw new IllegalArgumentException("progress-interval-seconds=" + progress + " is invalid: use 1 or more");
        }
        boolean overwrite = c.getBoolean(ROOT + "overwrite");
        boolean incremental = c.getBoolean(ROOT + "incremental");
        boolean prune = c.getBoolean(ROOT + "prune");
        if (overwrite && incremental) {
            throw new IllegalArgumentException("both --overwrite and --incremental are given; pass --overwrite to "
                    + "rebuild the output, or --incremental to add new images to it");
        }
        if (prune && !incremental) {
            throw new IllegalArgumentException("--prune is given without --incremental; it drops the rows of removed "
                    + "files in an incremental run: add --incremental");
        }
        return new JobConfig(input, output, overwrite, incremental, prune, spark, ingest, compression, rowGroupMb,
                progress);
    }

    /** Exactly one of ratio, max-bond, epsilon; the reference ratio when the user set none. */
    private static Object[] truncation(Config merged, Config explicit) {
        String[] keys = {"ratio", "max-bond", "epsilon"};
        String chosen = null;
        for (String key : keys) {
            String path = ROOT + "compression." + key;
            if (explicit.hasPath(path)) {
                if (chosen != null) {
                    throw new IllegalArgumentException("both --" + chosen + " and --" + key
                            + " are given; pass only one of --ratio, --max-bond, --epsilon");
                }
                chosen = key;
            }
        }
        if (chosen == null) {
            chosen = "ratio";
        }
        String path = ROOT + "compression." + chosen;
        return switch (chosen) {
            case "max-bond" -> new Object[] {new Truncation.MaxBond(merged.getInt(path)),
                    "max-bond=" + merged.getInt(path)};
            case "epsilon" -> new Object[] {new Truncation.RelativeError(merged.getDouble(path)),
                    "epsilon=" + merged.getDouble(path)};
            default -> new Object[] {new Truncation.TargetRatio(merged.getDouble(path)),
                    "ratio=" + merged.getDouble(path)};
        };
    }

    /** Parses {@code HxW}. */
    public static ImageShape parseSize(String text) {
        String[] parts = text.trim().toLowerCase(Locale.ROOT).split("x");
        if (parts.length != 2) {
            throw new IllegalArgumentException("size '" + text + "' is malformed: write HxW, for example 224x224");
        }
        try {
            int h = Integer.parseInt(parts[0].trim());
            int w = Integer.parseInt(parts[1].trim());
            if (h < 1 || w < 1) {
                throw new IllegalArgumentException("size '" + text + "' is invalid: both sides must be at least 1, "
                        + "for example 224x224");
            }
            return new ImageShape(h, w, 1);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size '" + text + "' is malformed: write HxW with whole numbers, "
                    + "for example 224x224", e);
        }
    }

    private static String string(Config c, String key) {
        String path = ROOT + key;
        return c.hasPath(path) && !c.getIsNull(path) ? c.getString(path) : null;
    }
}
