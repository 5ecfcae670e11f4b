package dev.mmps.spark.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** The source images of a factor table, read again and preprocessed as the job did. */
public final class SourceImages {

    private SourceImages() {}

    /** The preprocessing a compress job used, from its manifest's {@code config}. */
    public static Preprocess preprocess(JsonNode config) {
        String size = config.path("ingest.size").asText("");
        int height = size.isEmpty() ? 0 : Integer.parseInt(size.split("x")[0]);
        int width = size.isEmpty() ? 0 : Integer.parseInt(size.split("x")[1]);
        return new Preprocess(height, width, ChannelMode.parse(config.path("ingest.channels").asText("auto")),
                config.path("ingest.max-pixels").asLong(100_000_000L));
    }

    /** The source image as the job saw it, or null if it cannot be read now (moved, IDX, damaged). */
    public static DecodedImage read(String source, Preprocess preprocess, Configuration conf) {
        if (source.contains("#")) {
            return null;
        }
        try {
            Path p = new Path(source);
            FileSystem fs = p.getFileSystem(conf);
            if (!fs.exists(p)) {
                return null;
            }
            try (InputStream in = fs.open(p)) {
                return preprocess.apply(in.readAllBytes());
            }
        } catch (IOException | ImageFailure | UncheckedIOException | IllegalArgumentException e) {
            return null;
        }
    }
}
