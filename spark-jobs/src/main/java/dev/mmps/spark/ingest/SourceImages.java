package dev.mmps.spark.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmps.images.ChannelMode;
import dev.mmps.images.DecodedImage;
import dev.mmps.images.ImageDecoder;
import dev.mmps.images.ImageFailure;
import dev.mmps.images.Preprocess;
import org.apache.hadoop.conf.Configuration;

/** The source images of a factor table, read again and preprocessed as the job did. */
public final class SourceImages {

    private SourceImages() {}

    /** The preprocessing a compress job used, from its manifest's {@code config}. */
    public static Preprocess preprocess(JsonNode config) {
        String size = config.path("ingest.size").asText("");
        int height = size.isEmpty() ? 0 : Integer.parseInt(size.split("x")[0]);
        int width = size.isEmpty() ? 0 : Integer.parseInt(size.split("x")[1]);
        return new Preprocess(height, width, ChannelMode.parse(config.path("ingest.channels").asText("auto")),
                config.path("ingest.max-pixels").asLong(ImageDecoder.DEFAULT_MAX_PIXELS));
    }

    /** The source image as the job saw it, or null if it cannot be read now (moved, IDX, damaged). */
    public static DecodedImage read(String source, Preprocess preprocess, Configuration conf) {
        if (source.contains("#")) {
            return null;
        }
        try {
            return preprocess.apply(FileBytes.read(source, 0, Integer.MAX_VALUE - 8, conf));
        } catch (ImageFailure | IllegalArgumentException e) {
            return null;
        }
    }
}
