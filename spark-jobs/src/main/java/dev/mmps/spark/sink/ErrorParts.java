package dev.mmps.spark.sink;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.spark.TaskContext;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.TaskFailureListener;

/**
 * Error rows written where they are found: each task that meets inputs it cannot compress writes their
 * rows ({@link FactorRows#ERRORS}) to a small Parquet file of its own in a staged folder, and the driver
 * reads the folder back as a {@link Dataset} to write the error table. Nothing per input travels to the
 * driver, however many inputs fail.
 *
 * <p>A part is written under a name of its own attempt and renamed into place when the task has produced
 * all its rows, replacing what an earlier attempt of the same task left; an attempt that fails before its
 * end leaves only a temporary file, which is never read.
 *
 * @param folder the staged folder the parts go to (a Hadoop URI or path)
 */
public record ErrorParts(String folder) implements Serializable {

    private static final String TEMPORARY = "_attempts";
    private static final String SUFFIX = ".parquet";
    private static final MessageType SCHEMA = parquetSchema(FactorRows.ERRORS);

    /** The error rows the parts hold, or an empty table when no part was written. */
    public Dataset<Row> read(SparkSession spark) {
        Path path = new Path(folder);
        List<String> parts = new ArrayList<>();
        try {
            FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(path)) {
                for (FileStatus f : fs.listStatus(path)) {
                    if (f.isFile() && f.getPath().getName().endsWith(SUFFIX)) {
                        parts.add(f.getPath().toString());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("listing the error parts in " + folder + ": " + e.getMessage(), e);
        }
        return parts.isEmpty() ? spark.createDataFrame(List.<Row>of(), FactorRows.ERRORS)
                : spark.read().schema(FactorRows.ERRORS).parquet(parts.toArray(new String[0]));
    }

    /**
     * A writer of the part called {@code name}, unique among the job's tasks (a partition's number, say);
     * {@code attempt} tells apart attempts of the same task. Nothing is written until the first row. In a
     * task, a failure of the task discards what the writer holds.
     */
    public Writer open(Configuration hadoop, String name, long attempt) {
        Writer writer = new Writer(hadoop, new Path(folder, name + SUFFIX),
                new Path(new Path(folder, TEMPORARY), name + "-" + attempt + SUFFIX));
        TaskContext task = TaskContext.get();
        if (task != null) {
            TaskFailureListener discard = (context, error) -> writer.discard();
            task.addTaskFailureListener(discard);
        }
        return writer;
    }

    /** One task's error rows, streamed to a temporary file and renamed into place by {@link #close}. */
    public static final class Writer implements AutoCloseable {

        private final Configuration hadoop;
        private final Path part;
        private final Path temporary;
        private final SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
        private ParquetWriter<Group> out;
        private long rows;

        private Writer(Configuration hadoop, Path part, Path temporary) {
            this.hadoop = hadoop;
            this.part = part;
            this.temporary = temporary;
        }

        /** Adds one row of {@link FactorRows#ERRORS}. */
        public void add(Row row) {
            try {
                if (out == null) {
                    out = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(temporary, hadoop)).withConf(hadoop).withType(SCHEMA)
                            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                            .withCompressionCodec(CompressionCodecName.ZSTD).build();
                }
                out.write(group(row));
                rows++;
            } catch (IOException e) {
                throw new UncheckedIOException("writing an error row to " + temporary + ": " + e.getMessage(), e);
            }
        }

        /** Rows added so far. */
        public long rows() {
            return rows;
        }

        /** Finishes the part and moves it into place; writes nothing when no row was added. */
        @Override
        public void close() {
            if (out == null) {
                return;
            }
            try {
                out.close();
                out = null;
                FileSystem fs = part.getFileSystem(hadoop);
                fs.delete(part, false);
                if (!fs.rename(temporary, part)) {
                    throw new IOException("the file system refused to rename it");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("finishing the error rows' part " + part + ": " + e.getMessage(), e);
            }
        }

        /** Drops the rows written so far: the temporary file is deleted and nothing is moved into place. */
        void discard() {
            if (out == null) {
                return;
            }
            ParquetWriter<Group> unfinished = out;
            out = null;
            try {
                unfinished.close();
                temporary.getFileSystem(hadoop).delete(temporary, false);
            } catch (IOException | RuntimeException e) {
                // The attempt has failed already; a temporary file is never read and goes with the staging folder.
            }
        }

        private Group group(Row row) {
            Group g = groups.newGroup();
            StructField[] fields = FactorRows.ERRORS.fields();
            for (int i = 0; i < fields.length; i++) {
                if (row.isNullAt(i)) {
                    continue;
                }
                DataType type = fields[i].dataType();
                if (type.equals(DataTypes.StringType)) {
                    g.add(i, row.getString(i));
                } else if (type.equals(DataTypes.LongType)) {
                    g.add(i, row.getLong(i));
                } else if (type.equals(DataTypes.IntegerType)) {
                    g.add(i, row.getInt(i));
                } else {
                    Instant t = ((Timestamp) row.get(i)).toInstant();
                    g.add(i, Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000));
                }
            }
            return g;
        }
    }

    /** The Parquet schema of a table of strings, longs, ints and timestamps, as Spark reads it back. */
    static MessageType parquetSchema(StructType table) {
        Types.MessageTypeBuilder message = Types.buildMessage();
        for (StructField f : table.fields()) {
            Type.Repetition repetition = f.nullable() ? Type.Repetition.OPTIONAL : Type.Repetition.REQUIRED;
            DataType type = f.dataType();
            Type column;
            if (type.equals(DataTypes.StringType)) {
                column = Types.primitive(PrimitiveTypeName.BINARY, repetition)
                        .as(LogicalTypeAnnotation.stringType()).named(f.name());
            } else if (type.equals(DataTypes.LongType)) {
                column = Types.primitive(PrimitiveTypeName.INT64, repetition).named(f.name());
            } else if (type.equals(DataTypes.IntegerType)) {
                column = Types.primitive(PrimitiveTypeName.INT32, repetition).named(f.name());
            } else if (type.equals(DataTypes.TimestampType)) {
                column = Types.primitive(PrimitiveTypeName.INT64, repetition)
                        .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS))
                        .named(f.name());
            } else {
                throw new IllegalArgumentException("column " + f.name() + " is " + type.simpleString()
                        + ": error parts hold strings, longs, ints and timestamps only");
            }
            message.addField(column);
        }
        return message.named("errors");
    }
}
