package dev.mmps.spark.compress;

import dev.mmps.spark.ingest.ImageFailure;
import dev.mmps.spark.sink.FactorRows;
import java.sql.Timestamp;
import java.util.Iterator;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;

/**
 * Compresses the image files of one partition of Spark's {@code binaryFile} scan (columns
 * {@code path, modificationTime, length, content}) into factor rows; failures go to the errors
 * accumulator. Holds only the broadcast settings and the accumulators; everything else is made
 * per partition.
 */
public final class ImageFilesStage implements MapPartitionsFunction<Row, Row> {

    private final Broadcast<StageSettings> settings;
    private final Accumulators accumulators;

    ImageFilesStage(Broadcast<StageSettings> settings, Accumulators accumulators) {
        this.settings = settings;
        this.accumulators = accumulators;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> files) {
        StageSettings s = settings.value();
        ImageCompressor compressor = new ImageCompressor(s, accumulators);
        String rootPath = s.rootPath();
        return new ClosingIterator<>(files, compressor, file -> {
            String source = file.getString(0);
            FactorRows.Origin origin = origin(s, rootPath, source, file.getTimestamp(1), file.getLong(2));
            return compressor.compress(origin, () -> {
                byte[] content = file.isNullAt(3) ? null : (byte[]) file.get(3);
                if (content == null) {
                    throw new ImageFailure(ImageFailure.Step.READ, "file could not be read");
                }
                return s.preprocess().apply(content);
            });
        });
    }

    /** Reports a zero-length file, which Spark's scan never hands to a task. */
    static void reportEmptyFile(StageSettings s, Row file, Accumulators accumulators) {
        FactorRows.Origin origin = origin(s, s.rootPath(), file.getString(0), file.getTimestamp(1), 0);
        accumulators.fail(origin, ImageFailure.emptyFile());
    }

    /** Id relative to the input root, label and class from its first folder. */
    static FactorRows.Origin origin(StageSettings s, String rootPath, String source, Timestamp modified, long bytes) {
        String id = relativeId(rootPath, source);
        int slash = id.indexOf('/');
        String className = slash > 0 ? id.substring(0, slash) : null;
        Integer label = className == null ? null : s.classIndex().get(className);
        return new FactorRows.Origin(id, source, bytes, modified, label, label == null ? null : className);
    }

    /** The path of {@code source} below the root folder, decoded, with '/' separators. */
    static String relativeId(String rootPath, String source) {
        String path = new Path(source).toUri().getPath();
        return path.startsWith(rootPath) ? path.substring(rootPath.length()) : path;
    }
}
