package dev.mmps.spark.config;

import dev.mmps.images.ChannelMode;
import dev.mmps.images.DecoderChoice;
import dev.mmps.images.Preprocess;
import dev.mmps.table.Precision;
import dev.mmps.tensor.codec.CodecChoice;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.IndexOrder;
import dev.mmps.tensor.layout.LayoutPlanner;
import dev.mmps.tensor.layout.LayoutRequest;
import java.io.Serializable;
import java.util.LinkedHashMap;
import dev.mmps.spark.sink.TableFormat;
import java.util.Map;
import java.util.Set;

/**
 * Everything a compress run was asked to do, checked when loaded ({@link ConfigLoader}). Small and
 * serialisable: the executors get it as a broadcast.
 *
 * @param explicit the {@code reference.conf} keys the user set, in a file or with a flag
 */
public record JobConfig(String input, String output, boolean overwrite, boolean incremental, boolean prune,
        SparkSettings spark, IngestSettings ingest, CompressionSettings compression, int rowGroupMb,
        TableFormat tableFormat, int progressSeconds, Set<String> explicit) implements Serializable {

    public JobConfig {
        explicit = Set.copyOf(explicit);
    }

    /** Whether the user set a setting, in a file or with a flag, rather than taking its default. */
    public boolean isExplicit(JobSetting setting) {
        return setting.sources().stream().anyMatch(explicit::contains);
    }

    /** Where and how Spark runs. */
    public record SparkSettings(String master, String appName, int partitions, boolean ui) implements Serializable {}

    /** Decoding and preprocessing. */
    public record IngestSettings(int height, int width, ChannelMode channels, DecoderChoice decoder, long maxPixels,
            long maxFileBytes) implements Serializable {

        public Preprocess preprocess() {
            return new Preprocess(height, width, channels, maxPixels, decoder);
        }

        /**
         * The decoder this JVM uses, {@code opencv} or {@code imageio}, for the job's log line.
         *
         * @throws dev.mmps.settings.ValidationException for {@code decoder = opencv} where OpenCV's native
         *     library does not load
         */
        public String decoderInUse() {
            if (decoder == DecoderChoice.OPENCV && Preprocess.openCvLoadFailure() != null) {
                throw new dev.mmps.settings.ValidationException("ingest.decoder=opencv, but OpenCV's native library "
                        + "does not load on this machine (" + Preprocess.openCvLoadFailure() + "); use --decoder auto "
                        + "or --decoder imageio");
            }
            return preprocess().decoderInUse();
        }

        public String sizeLabel() {
            return height == 0 ? "" : height + "x" + width;
        }
    }

    /**
     * The compression request.
     *
     * @param truncation how much to keep
     * @param truncationLabel the same as the user wrote it, e.g. {@code ratio=0.3}
     * @param layout the tensor layout asked for
     * @param codec MMPS or a baseline, with the baselines' settings
     * @param precision how factor values are stored
     */
    public record CompressionSettings(Truncation truncation, String truncationLabel, int stages, LayoutSettings layout,
            String route, int calibrationImages, CodecChoice codec, Precision precision) implements Serializable {

        /** The spec before calibration: a ratio target plans with uniform caps. */
        public CompressionSpec spec() {
            return new CompressionSpec(layout.request(), truncation, stages);
        }

        public boolean calibrates() {
            return codec.tensorTrain() && truncation instanceof Truncation.TargetRatio && calibrationImages > 0;
        }

        /**
         * Whether the job measures candidate layouts on its calibration sample: an automatic layout, for a
         * codec whose rows have one, planned with a calibrated profile.
         */
        public boolean searchesLayout() {
            return layout.automatic() && calibrates();
        }

        /** The same settings with another layout: an incremental run takes its table's. */
        public CompressionSettings withLayout(LayoutSettings other) {
            return new CompressionSettings(truncation, truncationLabel, stages, other, route, calibrationImages, codec,
                    precision);
        }
    }

    /**
     * The layout as asked: an explicit spec, a planned layout of a forced index order or number of cores,
     * or automatic (neither), which the job chooses by measuring candidates on its sample.
     *
     * @param spec an explicit layout spec, or null
     * @param order the forced index order of a planned layout, or null
     * @param cores the forced number of cores of a planned layout, or 0
     */
    public record LayoutSettings(String spec, IndexOrder order, int cores) implements Serializable {

        public static final String AUTO = "auto";

        public LayoutSettings {
            if (spec != null && (order != null || cores != 0)) {
                throw new IllegalArgumentException("an explicit layout spec fixes the order and the cores: give the "
                        + "spec alone");
            }
        }

        /** Neither a spec nor a forced order or size: the job may choose. */
        public boolean automatic() {
            return spec == null && order == null && cores == 0;
        }

        /** The layout of every row: the spec, or the planned layout (defaults for what is not forced). */
        public LayoutRequest request() {
            return spec != null ? LayoutRequest.explicit(spec)
                    : new LayoutRequest(order == null ? LayoutPlanner.DEFAULT_ORDER : order,
                            cores == 0 ? LayoutPlanner.DEFAULT_CORES : cores, LayoutPlanner.DEFAULT_CHANNELS, null);
        }

        public String layoutLabel() {
            return spec == null ? AUTO : spec;
        }

        public String orderLabel() {
            return order == null ? AUTO : order.label();
        }

        public Object coresLabel() {
            return cores == 0 ? AUTO : cores;
        }
    }

    /** The configuration as the manifest records it: every setting that applies, by key. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (JobSetting s : JobSetting.values()) {
            if (s.applies(this)) {
                m.put(s.key(), s.recorded(this));
            }
        }
        return m;
    }

    /** The same configuration writing its tables in another format. */
    public JobConfig withTableFormat(TableFormat format) {
        return new JobConfig(input, output, overwrite, incremental, prune, spark, ingest, compression, rowGroupMb, format,
                progressSeconds, explicit);
    }

    /** The same configuration with another compression request. */
    public JobConfig withCompression(CompressionSettings other) {
        return new JobConfig(input, output, overwrite, incremental, prune, spark, ingest, other, rowGroupMb, tableFormat,
                progressSeconds, explicit);
    }
}
