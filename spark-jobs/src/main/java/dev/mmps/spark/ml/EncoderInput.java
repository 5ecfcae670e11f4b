package dev.mmps.spark.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;

import dev.mmps.images.DecodedImage;
import dev.mmps.images.ImageFailure;
import dev.mmps.images.Preprocess;
import dev.mmps.settings.ValidationException;
import dev.mmps.spark.ingest.FileBytes;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.spark.source.FactorImages;
import dev.mmps.table.FactorFormat;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The two kinds of input the encoder takes, and the columns it reads from each: the struct of Spark's
 * {@code image} data source (decoded by Spark, named by its {@code origin}), or the {@code content} bytes of
 * {@code binaryFile} (decoded by mmps as {@code compress} decodes files, named by the {@code path} column).
 * Either way the encoder's function sees {@code source, modified, bytes, payload, label}.
 */
enum EncoderInput {
    /** The struct of Spark's {@code image} data source. */
    IMAGE,
    /** Encoded image bytes, as the {@code content} column of {@code binaryFile}, with its {@code path}. */
    BYTES;

    /** The columns of {@link #normalized}. */
    static final String SOURCE = "source";
    static final String MODIFIED_AT = "modified";
    static final String BYTES_COL = "bytes";
    static final String PAYLOAD = "payload";
    static final String LABEL = "label";

    /** The column of {@code binaryFile} that names a file; its {@code modificationTime} and {@code length} too. */
    static final String PATH = "path";
    static final String MODIFIED = "modificationTime";
    static final String LENGTH = "length";

    /**
     * The kind of the input column.
     *
     * @throws ValidationException if the column is missing or of another type, naming the column and its type
     */
    static EncoderInput of(StructType schema, String inputCol, String labelCol) {
        Set<String> names = Arrays.stream(schema.fieldNames()).collect(Collectors.toSet());
        if (!names.contains(inputCol)) {
            throw new ValidationException("input column '" + inputCol + "' is not among the columns " + names
                    + "; setInputCol to the image struct of format(\"image\") or the content of format(\"binaryFile\")");
        }
        if (!labelCol.isEmpty() && !(names.contains(labelCol)
                && schema.apply(labelCol).dataType() instanceof IntegerType)) {
            throw new ValidationException("label column '" + labelCol + "' is " + (names.contains(labelCol)
                    ? "of type " + schema.apply(labelCol).dataType().simpleString() : "not among the columns " + names)
                    + "; give an integer column with setLabelCol, or \"\" to label by class folder under the root");
        }
        DataType type = schema.apply(inputCol).dataType();
        if (type.equals(DataTypes.BinaryType)) {
            if (!names.contains(PATH)) {
                throw new ValidationException("input column '" + inputCol + "' holds bytes, but there is no '" + PATH
                        + "' column to name each image; read the files with format(\"binaryFile\"), which has one");
            }
            return BYTES;
        }
        if (type instanceof StructType struct && Arrays.equals(struct.fieldNames(),
                FactorImages.imageStruct().fieldNames())) {
            return IMAGE;
        }
        throw new ValidationException("input column '" + inputCol + "' is of type " + type.simpleString()
                + "; the encoder reads the image struct of format(\"image\") or the binary content of "
                + "format(\"binaryFile\"): setInputCol to such a column");
    }

    /** The input as {@code source, modified, bytes, payload, label}. */
    Dataset<Row> normalized(Dataset<?> input, String inputCol, String labelCol) {
        Set<String> names = Arrays.stream(input.schema().fieldNames()).collect(Collectors.toSet());
        Column label = labelCol.isEmpty() ? lit(null).cast(DataTypes.IntegerType) : col(labelCol);
        Column none = lit(null).cast(DataTypes.TimestampType);
        Column[] columns = this == IMAGE
                ? new Column[] {col(inputCol + ".origin"), none, lit(0L), col(inputCol), label}
                : new Column[] {col(PATH), names.contains(MODIFIED) ? col(MODIFIED).cast(DataTypes.TimestampType) : none,
                    (names.contains(LENGTH) ? col(LENGTH) : length(col(inputCol))).cast(DataTypes.LongType), col(inputCol),
                    label};
        String[] as = {SOURCE, MODIFIED_AT, BYTES_COL, PAYLOAD, LABEL};
        for (int i = 0; i < columns.length; i++) {
            columns[i] = columns[i].as(as[i]);
        }
        return input.select(columns);
    }

    /**
     * Rows of {@link #normalized} with something to decode: the compress job's sample skips empty files too. For
     * bytes, decided on the length column alone, so that finding the sample reads no file's content.
     */
    Column nonEmpty() {
        return this == IMAGE ? col(PAYLOAD + ".height").gt(0) : col(BYTES_COL).gt(0);
    }

    /**
     * The decoded and preprocessed image of a row of {@link #normalized}: bytes as {@code compress} decodes a file,
     * an image struct as a decoded file.
     */
    DecodedImage decode(Row row, Preprocess preprocess, long maxFileBytes) throws ImageFailure {
        if (row.isNullAt(3)) {
            throw new ImageFailure(ImageFailure.Step.READ, "the input column is null");
        }
        if (this == IMAGE) {
            return preprocess.apply(FactorImages.fromImageRow(row.getStruct(3)));
        }
        byte[] content = (byte[]) row.get(3);
        if (content.length == 0) {
            throw ImageFailure.emptyFile();
        }
        if (content.length > maxFileBytes) {
            throw FileBytes.tooLarge(content.length, maxFileBytes);
        }
        return preprocess.apply(content);
    }

    /**
     * The encoder's output: the factor table's columns (its own columns null for an input that failed), then a
     * struct {@code step, reason} that is null for an input that was compressed.
     */
    static StructType output(String errorCol) {
        StructField[] fields = FactorRows.FACTORS.fields();
        StructField[] out = new StructField[fields.length + 1];
        for (int i = 0; i < fields.length; i++) {
            out[i] = i < FactorRows.IDENTITY_COLUMNS ? fields[i]
                    : FactorRows.field(fields[i].name(), fields[i].dataType(), true);
        }
        out[fields.length] = FactorRows.field(errorCol, new StructType()
                .add(FactorFormat.ERROR_STEP, DataTypes.StringType, false)
                .add(FactorFormat.ERROR_REASON, DataTypes.StringType, false), true);
        return new StructType(out);
    }
}
