package dev.mmps.spark.select;

import dev.mmps.images.DecodedImage;
import dev.mmps.images.ImageFailure;
import dev.mmps.images.Preprocess;
import dev.mmps.spark.ingest.FileBytes;
import dev.mmps.spark.sink.FactorRows;
import java.util.Iterator;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Turns listed image files (columns {@code path, modificationTime, length}) into feature rows of
 * {@link SelectRows#FEATURES}: the identity columns and the image scaled and centre-cropped to the
 * feature size as 8-bit pixels, or, for a file that cannot be read or decoded, the step and reason
 * instead of the pixels. Each file is read once, by the task.
 */
final class FeatureStage implements MapPartitionsFunction<Row, Row> {

    private final Preprocess features;
    private final long maxFileBytes;
    private final String rootPath;
    private final Map<String, Integer> classIndex;
    private final SerializableConfiguration hadoop;
    private final LongAccumulator done;

    FeatureStage(Preprocess features, long maxFileBytes, String rootPath, Map<String, Integer> classIndex,
            SerializableConfiguration hadoop, LongAccumulator done) {
        this.features = features;
        this.maxFileBytes = maxFileBytes;
        this.rootPath = rootPath;
        this.classIndex = Map.copyOf(classIndex);
        this.hadoop = hadoop;
        this.done = done;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> files) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return files.hasNext();
            }

            @Override
            public Row next() {
                Row row = feature(files.next());
                done.add(1);
                return row;
            }
        };
    }

    private Row feature(Row file) {
        String source = file.getString(0);
        long length = file.getLong(2);
        FactorRows.Origin origin = FactorRows.Origin.of(rootPath, classIndex, source, file.getTimestamp(1), length);
        try {
            DecodedImage image = features.apply(FileBytes.read(source, length, maxFileBytes, hadoop.value()));
            return SelectRows.feature(origin, quantize(image.pixels()));
        } catch (ImageFailure e) {
            return SelectRows.failedFeature(origin, e);
        } catch (OutOfMemoryError | StackOverflowError e) {
            return SelectRows.failedFeature(origin, new ImageFailure(ImageFailure.Step.DECODE,
                    "the decoder ran out of " + (e instanceof OutOfMemoryError ? "memory" : "stack")));
        }
    }

    /** Pixels in [0, 1] as the bytes they were decoded from. */
    static byte[] quantize(float[] pixels) {
        byte[] bytes = new byte[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            bytes[i] = (byte) Math.round(Math.max(0f, Math.min(1f, pixels[i])) * 255f);
        }
        return bytes;
    }
}
