package dev.mmps.spark.config;

import static dev.mmps.spark.config.JobSetting.CALIBRATION_IMAGES;
import static dev.mmps.spark.config.JobSetting.CHANNELS;
import static dev.mmps.spark.config.JobSetting.CODEC;
import static dev.mmps.spark.config.JobSetting.CP_MAX_SWEEPS;
import static dev.mmps.spark.config.JobSetting.CP_SEED;
import static dev.mmps.spark.config.JobSetting.CP_TOLERANCE;
import static dev.mmps.spark.config.JobSetting.DECODER;
import static dev.mmps.spark.config.JobSetting.INCREMENTAL;
import static dev.mmps.spark.config.JobSetting.INPUT;
import static dev.mmps.spark.config.JobSetting.TABLE_FORMAT;
import static dev.mmps.spark.config.JobSetting.LAYOUT;
import static dev.mmps.spark.config.JobSetting.MAX_FILE_BYTES;
import static dev.mmps.spark.config.JobSetting.MAX_PIXELS;
import static dev.mmps.spark.config.JobSetting.MPS_CORES;
import static dev.mmps.spark.config.JobSetting.ORDER;
import static dev.mmps.spark.config.JobSetting.OUTPUT;
import static dev.mmps.spark.config.JobSetting.OVERWRITE;
import static dev.mmps.spark.config.JobSetting.PRECISION;
import static dev.mmps.spark.config.JobSetting.PROGRESS_SECONDS;
import static dev.mmps.spark.config.JobSetting.PRUNE;
import static dev.mmps.spark.config.JobSetting.ROUTE;
import static dev.mmps.spark.config.JobSetting.ROW_GROUP_MB;
import static dev.mmps.spark.config.JobSetting.SIZE;
import static dev.mmps.spark.config.JobSetting.SPARK_APP_NAME;
import static dev.mmps.spark.config.JobSetting.SPARK_MASTER;
import static dev.mmps.spark.config.JobSetting.SPARK_PARTITIONS;
import static dev.mmps.spark.config.JobSetting.SPARK_UI;
import static dev.mmps.spark.config.JobSetting.STAGES;
import static dev.mmps.spark.config.JobSetting.TRUNCATION;
import static dev.mmps.spark.config.JobSetting.TUCKER_ENERGY;
import static dev.mmps.spark.config.JobSetting.TUCKER_HOOI_SWEEPS;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import dev.mmps.images.ChannelMode;
import dev.mmps.images.DecoderChoice;
import dev.mmps.settings.ConfigLayers;
import dev.mmps.settings.ValidationException;
import dev.mmps.spark.sink.TableFormat;
import dev.mmps.table.Precision;
import dev.mmps.tensor.codec.CodecChoice;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.IndexOrder;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import java.io.File;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Loads a {@link JobConfig}: the documented defaults ({@code conf/reference.conf}, packaged in the
 * jar), overlaid by an optional user file, overlaid by command-line values ({@link ConfigLayers}). Every
 * value is read by its {@link JobSetting} and checked here, so a bad one fails before Spark starts with
 * a {@link ValidationException} naming the key, the value and the fix.
 */
public final class ConfigLoader {

    /** The defaults on the classpath and their root block. */
    public static final String REFERENCE = "reference.conf";
    public static final String ROOT = "mmps";

    private ConfigLoader() {}

    /**
     * @param userFile a config file, or null
     * @param overrides command-line values by key (without the {@code mmps.} prefix)
     * @throws ValidationException for any invalid value
     */
    public static JobConfig load(File userFile, Map<String, ?> overrides) {
        return ConfigLayers.load(REFERENCE, ROOT, userFile, overrides).build(ConfigLoader::build);
    }

    /**
     * The settings of {@code mmps select}: the job's input, output, Spark and ingest settings as for
     * compress, and the {@code selection} section.
     *
     * @throws ValidationException for any invalid value
     */
    public static SelectionConfig loadSelection(File userFile, Map<String, ?> overrides) {
        return ConfigLayers.load(REFERENCE, ROOT, userFile, overrides).build(layers -> {
            JobConfig job = build(layers);
            return new SelectionConfig(job, selection(layers.merged(), job.ingest().channels()));
        });
    }

    private static SelectionSettings selection(Config c, ChannelMode channels) {
        String method = c.getString("selection.method").trim().toLowerCase(Locale.ROOT);
        double ratio = c.getDouble("selection.ratio");
        ImageShape size = parseSize(c.getString("selection.feature-size"));
        return checked(() -> new SelectionSettings(method, ratio, c.getLong("selection.seed"), size.height(),
                size.width(), channels == ChannelMode.GRAY ? 1 : 3, c.getInt("selection.group-images")));
    }

    private static JobConfig build(ConfigLayers layers) {
        Config c = layers.merged();
        String input = layers.stringOrNull(INPUT.key());
        String output = layers.stringOrNull(OUTPUT.key());
        require(input != null && !input.isBlank(), "no input given; pass --input PATH (an image folder or IDX files)");
        require(output != null && !output.isBlank(), "no output given; pass --output PATH (a folder to create)");
        int partitions = c.getInt(SPARK_PARTITIONS.key());
        require(partitions >= 0, "spark.partitions=" + partitions + " is invalid: use 0 (automatic) or a positive number");
        JobConfig.SparkSettings spark = new JobConfig.SparkSettings(c.getString(SPARK_MASTER.key()),
                c.getString(SPARK_APP_NAME.key()), partitions, c.getBoolean(SPARK_UI.key()));

        JobConfig.IngestSettings ingest = ingest(c);

        int stages = c.getInt(STAGES.key());
        require(stages >= 1 && stages <= CompressionSpec.MAX_STAGES, "stages=" + stages + " is invalid: use between 1 "
                + "and " + CompressionSpec.MAX_STAGES + " (1 is a single MPS, 2 the paper's MMPS)");
        String route = c.getString(ROUTE.key()).trim().toLowerCase(Locale.ROOT);
        require(LowRankFactorizers.names().contains(route), "route '" + route + "' is unknown: use one of "
                + LowRankFactorizers.names());
        int calibration = c.getInt(CALIBRATION_IMAGES.key());
        require(calibration >= 0, "calibration-images=" + calibration + " is invalid: use 0 (uniform caps) or a "
                + "positive number of sample images");
        Truncation truncation = truncation(layers);
        String truncationLabel = label(truncation);
        CodecChoice codec = checked(() -> new CodecChoice(c.getString(CODEC.key()), c.getInt(TUCKER_HOOI_SWEEPS.key()),
                c.getDouble(TUCKER_ENERGY.key()), c.getInt(CP_MAX_SWEEPS.key()), c.getDouble(CP_TOLERANCE.key()),
                c.getLong(CP_SEED.key())));
        if (codec.name().equals("mps")) {
            require(!layers.isExplicit(STAGES.key()) || stages == 1, "codec mps is a single MPS but stages=" + stages
                    + " is given; use --codec mmps --stages " + stages + ", or drop --stages");
            stages = 1;
        }
        require(codec.tensorTrain() || truncation instanceof Truncation.TargetRatio
                || (codec.name().equals("tucker") && codec.tuckerEnergy() > 0), "codec " + codec.name() + " takes "
                + "--ratio, not " + truncationLabel + "; --max-bond and --epsilon are for mmps and mps");
        Precision precision = checked(() -> Precision.parse(c.getString(PRECISION.key())));
        JobConfig.CompressionSettings compression = new JobConfig.CompressionSettings(truncation, truncationLabel,
                stages, layout(c), route, calibration, codec, precision);

        int rowGroupMb = c.getInt(ROW_GROUP_MB.key());
        require(rowGroupMb >= 1 && rowGroupMb <= 1024, "output-format.row-group-mb=" + rowGroupMb
                + " is invalid: use between 1 and 1024 (tens of MB suit streaming readers)");
        TableFormat tableFormat = checked(() -> TableFormat.parse(c.getString(TABLE_FORMAT.key())));
        require(tableFormat != TableFormat.DELTA || TableFormat.deltaAvailable(), "output-format.table=delta, but "
                + "Delta is not on the classpath; run with bin/mmps, or add --packages io.delta:delta-spark_2.13:4.0.0 "
                + "to spark-submit");
        int progress = c.getInt(PROGRESS_SECONDS.key());
        require(progress >= 1, "progress-interval-seconds=" + progress + " is invalid: use 1 or more");
        boolean overwrite = c.getBoolean(OVERWRITE.key());
        boolean incremental = c.getBoolean(INCREMENTAL.key());
        boolean prune = c.getBoolean(PRUNE.key());
        require(!(overwrite && incremental), "both --overwrite and --incremental are given; pass --overwrite to "
                + "rebuild the output, or --incremental to add new images to it");
        require(!prune || incremental, "--prune is given without --incremental; it drops the rows of removed files in "
                + "an incremental run: add --incremental");
        Set<String> explicit = new LinkedHashSet<>();
        for (JobSetting s : JobSetting.values()) {
            s.sources().stream().filter(layers::isExplicit).forEach(explicit::add);
        }
        return new JobConfig(input, output, overwrite, incremental, prune, spark, ingest, compression, rowGroupMb,
                tableFormat, progress, explicit);
    }

    /**
     * The decoding and preprocessing settings a table was made with, from its manifest's {@code config}
     * (what {@link JobConfig#describe} recorded): how to read its source images again as the job did.
     *
     * @throws ValidationException if a recorded value is invalid
     */
    public static JobConfig.IngestSettings recordedIngest(Map<String, Object> recorded) {
        Map<String, Object> ingest = new java.util.LinkedHashMap<>();
        for (JobSetting s : List.of(SIZE, CHANNELS, DECODER, MAX_PIXELS, MAX_FILE_BYTES)) {
            if (recorded.get(s.key()) != null) {
                ingest.put(s.key(), recorded.get(s.key()));
            }
        }
        return ConfigLayers.load(REFERENCE, ROOT, null, ingest).build(layers -> ingest(layers.merged()));
    }

    /**
     * The layout settings of recorded values ({@code compression.layout}, {@code order}, {@code mps-cores}
     * as a manifest records them); those not given are {@code auto}.
     */
    public static JobConfig.LayoutSettings recordedLayout(Map<String, Object> recorded) {
        return ConfigLayers.load(REFERENCE, ROOT, null, recorded).build(layers -> layout(layers.merged()));
    }

    private static JobConfig.IngestSettings ingest(Config c) {
        String size = c.getString(SIZE.key()).trim();
        ImageShape target = size.isEmpty() ? null : parseSize(size);
        long maxPixels = c.getLong(MAX_PIXELS.key());
        require(maxPixels >= 1, "ingest.max-pixels=" + maxPixels + " is invalid: it must be at least 1");
        long maxFileBytes = c.getBytes(MAX_FILE_BYTES.key());
        require(maxFileBytes >= 1 && maxFileBytes <= Integer.MAX_VALUE - 8, "ingest.max-file-bytes=" + maxFileBytes
                + " is invalid: use between 1 and 2g (a file is read into memory whole), for example 128m");
        ChannelMode channels = checked(() -> ChannelMode.parse(c.getString(CHANNELS.key())));
        DecoderChoice decoder = checked(() -> DecoderChoice.parse(c.getString(DECODER.key())));
        return new JobConfig.IngestSettings(target == null ? 0 : target.height(), target == null ? 0 : target.width(),
                channels, decoder, maxPixels, maxFileBytes);
    }

    /** {@code layout}, {@code order} and {@code mps-cores}: each {@code auto} unless the user forces it. */
    private static JobConfig.LayoutSettings layout(Config c) {
        String spec = c.getString(LAYOUT.key()).trim();
        boolean explicitSpec = !spec.isEmpty() && !spec.equalsIgnoreCase(JobConfig.LayoutSettings.AUTO);
        String lower = spec.toLowerCase(Locale.ROOT);
        require(!explicitSpec || lower.startsWith("row:") || lower.startsWith("block:"), "layout '" + spec + "' is "
                + "malformed: start it with row: or block:, for example block:2x2,4x4,2x2,2x2,1x1x3, or use auto");
        String orderText = c.getString(ORDER.key()).trim();
        IndexOrder order = orderText.equalsIgnoreCase(JobConfig.LayoutSettings.AUTO) ? null
                : checked(() -> IndexOrder.parse(orderText));
        int cores = 0;
        if (!(c.getValue(MPS_CORES.key()).valueType() == ConfigValueType.STRING
                && c.getString(MPS_CORES.key()).trim().equalsIgnoreCase(JobConfig.LayoutSettings.AUTO))) {
            String text = c.getString(MPS_CORES.key()).trim();
            try {
                cores = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new ValidationException("mps-cores '" + text + "' is invalid: use auto or a whole number of at "
                        + "least 2 (the paper uses 5)");
            }
            require(cores >= 2, "mps-cores=" + cores + " is invalid: an MPS needs at least 2 cores (the paper uses 5)");
        }
        require(!explicitSpec || (order == null && cores == 0), "layout '" + spec + "' is given with an index order or "
                + "a number of cores; an explicit layout fixes both: pass --layout alone, or --order and --mps-cores");
        return new JobConfig.LayoutSettings(explicitSpec ? spec : null, order, cores);
    }

    /** Exactly one of ratio, max-bond, epsilon; the reference ratio when the user set none. */
    private static Truncation truncation(ConfigLayers layers) {
        String chosen = null;
        for (String key : TRUNCATION.sources()) {
            if (layers.isExplicit(key)) {
                if (chosen != null) {
                    throw new ValidationException("both --" + flag(chosen) + " and --" + flag(key) + " are given; pass "
                            + "only one of --ratio, --max-bond, --epsilon");
                }
                chosen = key;
            }
        }
        String key = chosen == null ? TRUNCATION.sources().get(0) : chosen;
        Config c = layers.merged();
        return checked(() -> switch (flag(key)) {
            case "max-bond" -> new Truncation.MaxBond(c.getInt(key));
            case "epsilon" -> new Truncation.RelativeError(c.getDouble(key));
            default -> new Truncation.TargetRatio(c.getDouble(key));
        });
    }

    /** How the manifest and the summary write a truncation: the flag's name and its value. */
    private static String label(Truncation t) {
        if (t instanceof Truncation.MaxBond b) {
            return "max-bond=" + b.maxBond();
        }
        if (t instanceof Truncation.RelativeError e) {
            return "epsilon=" + e.epsilon();
        }
        return "ratio=" + ((Truncation.TargetRatio) t).ratio();
    }

    private static String flag(String key) {
        return key.substring(key.lastIndexOf('.') + 1);
    }

    /** Parses {@code HxW}. */
    public static ImageShape parseSize(String text) {
        String[] parts = text.trim().toLowerCase(Locale.ROOT).split("x");
        require(parts.length == 2, "size '" + text + "' is malformed: write HxW, for example 224x224");
        try {
            int h = Integer.parseInt(parts[0].trim());
            int w = Integer.parseInt(parts[1].trim());
            require(h >= 1 && w >= 1, "size '" + text + "' is invalid: both sides must be at least 1, for example "
                    + "224x224");
            return new ImageShape(h, w, 1);
        } catch (NumberFormatException e) {
            throw new ValidationException("size '" + text + "' is malformed: write HxW with whole numbers, for "
                    + "example 224x224", e);
        }
    }

    private static void require(boolean ok, String message) {
        ValidationException.check(ok, message);
    }

    /**
     * Builds a value with a domain type's own checks ({@link Truncation}, {@link CodecChoice}, the parsers of
     * the enums): here, where the value is the user's, their {@code IllegalArgumentException} is the user's
     * mistake.
     */
    private static <T> T checked(Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw new ValidationException(e.getMessage(), e);
        }
    }
}
