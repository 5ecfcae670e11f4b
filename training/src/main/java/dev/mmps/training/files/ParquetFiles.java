package dev.mmps.training.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;

/**
 * The training stage's small Parquet tables (corrections, subsets, synthetic sets): written row by row with
 * zstd, read back as rows, and float32 values kept as little-endian blobs.
 */
public final class ParquetFiles {

    private ParquetFiles() {}

    /** A writer of {@code schema}'s rows into {@code file}, zstd-compressed. */
    public static ParquetWriter<Group> writer(Path file, MessageType schema) throws IOException {
        return ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri())).withType(schema)
                .withCompressionCodec(CompressionCodecName.ZSTD).withConf(new Configuration()).build();
    }

    /** A reader of {@code file}'s rows. */
    public static ParquetReader<Group> reader(Path file) throws IOException {
        return ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(file.toUri()))
                .withConf(new Configuration()).build();
    }

    public static byte[] bytes(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    public static float[] floats(byte[] bytes) {
        float[] v = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }
}
