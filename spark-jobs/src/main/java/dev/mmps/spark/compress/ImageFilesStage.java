package dev.mmps.spark.compress;

import dev.mmps.spark.ingest.FileBytes;
import dev.mmps.spark.ingest.InputWalk;
import dev.mmps.spark.sink.ErrorParts;
import dev.mmps.spark.sink.FactorRows;
import java.sql.Timestamp;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Compresses the image files of one partition of the listing (columns {@code path,
 * modificationTime, length}) into factor rows, reading each file's bytes itself, so that a file
 * that cannot be read (gone, unreadable, larger than the byte limit) is an error row like any
 * other; a partition's error rows go to a part of its own ({@link ErrorParts}). Holds only broadcasts
 * and the accumulators; everything else is made per partition.
 */
public final class ImageFilesStage implements MapPartitionsFunction<Row, Row> {

    private final Broadcast<StageSettings> settings;
    private final Broadcast<SerializableConfiguration> hadoop;
    private final Accumulators accumulators;

    ImageFilesStage(Broadcast<StageSettings> settings, Broadcast<SerializableConfiguration> hadoop,
            Accumulators accumulators) {
        this.settings = settings;
        this.hadoop = hadoop;
        this.accumulators = accumulators;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> files) {
        StageSettings s = settings.value();
        ImageCompressor compressor = new ImageCompressor(s);
        TaskContext task = TaskContext.get();
        ErrorParts.Writer errors = accumulators.errors().open(hadoop.value().value(),
                String.format(Locale.ROOT, "part-%05d", task.partitionId()), task.taskAttemptId());
        String rootPath = s.rootPath();
        AutoCloseable finish = () -> {
            compressor.close();
            errors.close();
        };
        return new ClosingIterator<>(files, finish, file -> {
            String source = file.getString(0);
            long length = file.getLong(2);
            FactorRows.Origin origin = origin(s, rootPath, source, file.getTimestamp(1), length);
            return compressor.compress(origin, () -> s.preprocess().apply(
                    FileBytes.read(source, length, s.maxFileBytes(), hadoop.value().value())), accumulators, errors);
        });
    }

    /** The inputs the walk could not read as files (see {@link InputWalk}) as error rows, written on the driver. */
    static void report(StageSettings s, List<InputWalk.Issue> issues, Accumulators accumulators,
            Configuration hadoop) {
        try (ErrorParts.Writer errors = accumulators.errors().open(hadoop, "walk", 0)) {
            for (InputWalk.Issue issue : issues) {
                accumulators.fail(origin(s, s.rootPath(), issue.uri(),
                        issue.modified() > 0 ? new Timestamp(issue.modified()) : null, 0), issue.failure(), errors);
                accumulators.done().add(1);
            }
        }
    }

    static FactorRows.Origin origin(StageSettings s, String rootPath, String source, Timestamp modified, long bytes) {
        return FactorRows.Origin.of(rootPath, s.classIndex(), source, modified, bytes);
    }
}
