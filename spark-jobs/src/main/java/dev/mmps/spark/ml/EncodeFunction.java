package dev.mmps.spark.ml;

import dev.mmps.images.ImageFailure;
import dev.mmps.spark.compress.ClosingIterator;
import dev.mmps.spark.compress.ImageCompressor;
import dev.mmps.spark.compress.StageSettings;
import dev.mmps.spark.sink.FactorRows;
import java.net.URI;
import java.sql.Timestamp;
import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Compresses one partition of the encoder's normalised input ({@code source, modified, bytes, payload, label})
 * into rows of {@link EncoderInput#output}: each input's factor row, or its identity and an error struct.
 * A failure the input causes is a value; a defect of mmps fails the task, as in {@code compress}.
 *
 * @param rootPath the decoded path of the root that ids are relative to, or null to use each source's path
 */
record EncodeFunction(StageSettings settings, EncoderInput kind, String rootPath) implements
        MapPartitionsFunction<Row, Row> {

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        ImageCompressor compressor = new ImageCompressor(settings);
        int width = FactorRows.FACTORS.size();
        return new ClosingIterator<>(rows, compressor, row -> {
            FactorRows.Origin origin = origin(row);
            ImageCompressor.Outcome outcome = compressor.encode(origin,
                    () -> kind.decode(row, settings.preprocess(), settings.maxFileBytes()));
            Object[] values = new Object[width + 1];
            if (outcome instanceof ImageCompressor.Outcome.Compressed done) {
                for (int i = 0; i < width; i++) {
                    values[i] = done.row().get(i);
                }
            } else {
                ImageFailure failure = ((ImageCompressor.Outcome.Failed) outcome).failure();
                Row identity = FactorRows.row(origin);
                for (int i = 0; i < FactorRows.IDENTITY_COLUMNS; i++) {
                    values[i] = identity.get(i);
                }
                values[width] = RowFactory.create(failure.step().label(), failure.getMessage());
            }
            return RowFactory.create(values);
        });
    }

    private FactorRows.Origin origin(Row row) {
        String source = row.getString(0);
        Timestamp modified = row.isNullAt(1) ? null : row.getTimestamp(1);
        long bytes = row.getLong(2);
        Integer label = row.isNullAt(4) ? null : row.getInt(4);
        if (rootPath == null) {
            return new FactorRows.Origin(path(source), source, bytes, modified, label, null);
        }
        FactorRows.Origin byFolder = FactorRows.Origin.of(rootPath, settings.classIndex(), source, modified, bytes);
        return label == null ? byFolder : new FactorRows.Origin(byFolder.id(), source, bytes, modified, label, null);
    }

    private static String path(String source) {
        try {
            String path = URI.create(source).getPath();
            return path == null ? source : path;
        } catch (IllegalArgumentException notUri) {
            return source;
        }
    }
}
