package dev.mmps.spark.sink;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.spark.TaskContext;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
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

    /**
     * The error rows the parts hold, or an empty table when no part was written. Read as one folder (Spark skips
     * the temporary files, which are in a folder whose name starts with an underscore), so that hundreds of parts
     * cost one listing, not a listing job.
     */
    public Dataset<Row> read(SparkSession spark) {
        Path path = new Path(folder);
        boolean any = false;
        try {
            FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(path)) {
                for (FileStatus f : fs.listStatus(path)) {
                    any |= f.isFile() && f.getPath().getName().endsWith(SUFFIX);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("listing the error parts in " + folder + ": " + e.getMessage(), e);
        }
        return any ? spark.read().schema(FactorRows.ERRORS).parquet(folder)
                : spark.createDataFrame(List.<Row>of(), FactorRows.ERRORS);
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
                    // A few dozen rows that are read once: not worth compressing.
                    out = ExampleParquetWriter.builder(outputFile()).withConf(hadoop).withType(SCHEMA)
                            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                            .withCompressionCodec(CompressionCodecName.UNCOMPRESSED).build();
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
                if (fs instanceof LocalFileSystem local) {
                    Files.move(local.pathToFile(temporary).toPath(), local.pathToFile(part).toPath(),
                            StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    return;
                }
                fs.delete(part, false);
                if (!fs.rename(temporary, part)) {
                    throw new IOException("the file system refused to rename it");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("finishing the error rows' part " + part + ": " + e.getMessage(), e);
            }
        }

        /**
         * Where the temporary part is written: through Hadoop, except on the local file system, where Hadoop
         * starts a {@code chmod} process for every file it creates (without its native library) and that
         * costs more than the rows.
         */
        private OutputFile outputFile() throws IOException {
            FileSystem fs = temporary.getFileSystem(hadoop);
            if (fs instanceof LocalFileSystem local) {
                java.nio.file.Path file = local.pathToFile(temporary).toPath();
                Files.createDirectories(file.getParent());
                return new LocalOutputFile(file);
            }
            return HadoopOutputFile.fromPath(temporary, hadoop);
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
                FileSystem fs = temporary.getFileSystem(hadoop);
                if (fs instanceof LocalFileSystem local) {
                    Files.deleteIfExists(local.pathToFile(temporary).toPath());
                } else {
                    fs.delete(temporary, false);
                }
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
