package dev.mmps.spark.compress;

import dev.mmps.images.IdxFormat;
import dev.mmps.spark.sink.ErrorParts;
import dev.mmps.spark.sink.FactorRows;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Compresses a range of images of an IDX file into factor rows (failures to an error part,
 * {@link ErrorParts}), each preprocessed (channels, size) as a decoded file would be. Each input row is one range
 * {@code (images, labels, first, end, rows, cols, bytesPerImage, modified)}; the task opens both files
 * through Hadoop, skips to the range and streams it, one image at a time.
 */
public final class IdxStage implements FlatMapFunction<Row, Row> {

    private final Broadcast<StageSettings> settings;
    private final Broadcast<SerializableConfiguration> hadoop;
    private final Accumulators accumulators;

    IdxStage(Broadcast<StageSettings> settings, Broadcast<SerializableConfiguration> hadoop,
            Accumulators accumulators) {
        this.settings = settings;
        this.hadoop = hadoop;
        this.accumulators = accumulators;
    }

    @Override
    public Iterator<Row> call(Row range) throws IOException {
        StageSettings s = settings.value();
        String imagesUri = range.getString(0);
        String labelsUri = range.isNullAt(1) ? null : range.getString(1);
        int first = range.getInt(2);
        int end = range.getInt(3);
        int rows = range.getInt(4);
        int cols = range.getInt(5);
        long bytesPerImage = range.getLong(6);
        Timestamp modified = range.getTimestamp(7);
        String name = new Path(imagesUri).getName();
        int pixels = rows * cols;
        List<Row> out = new ArrayList<>(end - first);
        TaskContext task = TaskContext.get();
        ErrorParts.Writer errors = accumulators.errors().open(hadoop.value().value(),
                String.format(Locale.ROOT, "part-%05d-%d", task.partitionId(), first), task.taskAttemptId());
        try (ImageCompressor compressor = new ImageCompressor(s);
                InputStream images = open(imagesUri);
                InputStream labels = labelsUri == null ? null : open(labelsUri)) {
            IdxFormat.readImagesHeader(images, name);
            IdxFormat.skipFully(images, (long) first * pixels);
            if (labels != null) {
                IdxFormat.readLabelsHeader(labels, labelsUri);
                IdxFormat.skipFully(labels, first);
            }
            DataInputStream imageData = new DataInputStream(images);
            byte[] buffer = new byte[pixels];
            for (int index = first; index < end; index++) {
                imageData.readFully(buffer);
                Integer label = labels == null ? null : labels.read();
                String id = name + "#" + String.format(Locale.ROOT, "%05d", index);
                FactorRows.Origin origin = new FactorRows.Origin(id, imagesUri + "#" + index, bytesPerImage, modified,
                        label, label == null ? null : Integer.toString(label));
                Row row = compressor.compress(origin, () -> s.preprocess().applyGray(rows, cols, buffer),
                        accumulators, errors);
                if (row != null) {
                    out.add(row);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + imagesUri + " images " + first + ".." + end + ": "
                    + e.getMessage(), e);
        }
        errors.close();
        return out.iterator();
    }

    private InputStream open(String uri) throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(hadoop.value().value());
        return IdxFormat.open(fs.open(path), path.getName());
    }
}
