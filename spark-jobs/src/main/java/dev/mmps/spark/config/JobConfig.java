package dev.mmps.spark.config;

import dev.mmps.images.ChannelMode;
import dev.mmps.images.Preprocess;
import dev.mmps.table.Precision;
import dev.mmps.tensor.codec.CodecChoice;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ChannelPlacement;
import dev.mmps.tensor.layout.IndexOrder;
import dev.mmps.tensor.layout.LayoutPlanner;
import dev.mmps.tensor.layout.LayoutRequest;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a compress run was asked to do, checked when loaded ({@link ConfigLoader}). Small and
 * serialisable: the executors get it as a broadcast.
 */
public record JobConfig(String input, String output, boolean overwrite, boolean incremental, boolean prune,
        SparkSettings spark, IngestSettings ingest, CompressionSettings compression, int rowGroupMb,
        int progressSeconds) implements Serializable {

    /** Where and how Spark runs. */
    public record SparkSettings(String master, String appName, int partitions, boolean ui) implements Serializable {}

    /** Decoding and preprocessing. */
    public record IngestSettings(int height, int width, ChannelMode channels, long maxPixels, long maxFileBytes)
            implements Serializable {

        public Preprocess preprocess() {
            return new Preprocess(height, width, channels, maxPixels);
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
     * @param codec MMPS or a baseline, with the baselines' settings
     * @param precision how factor values are stored
     */
    public record CompressionSettings(Truncation truncation, String truncationLabel, int stages, IndexOrder order,
            int mpsCores, String layout, String route, int calibrationImages, CodecChoice codec, Precision precision)
            implements Serializable {

        public LayoutRequest layoutRequest() {
            return layout.isEmpty()
                    ? new LayoutRequest(order, mpsCores, LayoutPlanner.DEFAULT_CHANNELS, null)
                    : LayoutRequest.explicit(layout);
        }

        /** The spec before calibration: a ratio target plans with uniform caps. */
        public CompressionSpec spec() {
            return new CompressionSpec(layoutRequest(), truncation, stages);
        }

        public boolean calibrates() {
            return codec.tensorTrain() && truncation instanceof Truncation.TargetRatio && calibrationImages > 0;
        }
    }

    /** The configuration as plain values, for the manifest. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("input", input);
        m.put("output", output);
        m.put("overwrite", overwrite);
        m.put("incremental", incremental);
        m.put("prune", prune);
        m.put("spark.master", spark.master());
        m.put("spark.partitions", spark.partitions());
        m.put("ingest.size", ingest.sizeLabel());
        m.put("ingest.channels", ingest.channels().label());
        m.put("ingest.max-pixels", ingest.maxPixels());
        m.put("ingest.max-file-bytes", ingest.maxFileBytes());
        m.put("compression.codec", compression.codec().name());
        m.put("compression.precision", compression.precision().label());
        m.put("compression.truncation", compression.truncationLabel());
        m.put("compression.stages", compression.stages());
        m.put("compression.order", compression.order().label());
        m.put("compression.mps-cores", compression.mpsCores());
        m.put("compression.channel-placement", ChannelPlacement.LAST.label());
        m.put("compression.layout", compression.layout());
        m.put("compression.route", compression.route());
        m.put("compression.calibration-images", compression.calibrationImages());
        if (compression.codec().name().equals("tucker")) {
            m.put("compression.tucker.hooi-sweeps", compression.codec().hooiSweeps());
            m.put("compression.tucker.energy", compression.codec().tuckerEnergy());
        }
        if (compression.codec().name().equals("cp")) {
            m.put("compression.cp.max-sweeps", compression.codec().cpSweeps());
            m.put("compression.cp.tolerance", compression.codec().cpTolerance());
            m.put("compression.cp.seed", compression.codec().cpSeed());
        }
        m.put("output-format.row-group-mb", rowGroupMb);
        return m;
    }
}
