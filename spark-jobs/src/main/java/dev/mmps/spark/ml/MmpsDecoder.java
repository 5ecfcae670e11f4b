package dev.mmps.spark.ml;

import dev.mmps.spark.compress.ClosingIterator;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.spark.source.FactorImages;
import dev.mmps.spark.source.ImageColumn;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Rebuilds images from the factor table's columns (a factor table read as Parquet or with
 * {@code format("mmps").option("decode", "none")}, or {@link MmpsEncoderModel}'s output) into a new column: the
 * struct of Spark's {@code image} data source ({@code format = image}, the default) or a float array
 * ({@code format = array}). Rows whose factors are null (inputs the encoder could not compress) get a null image.
 */
public final class MmpsDecoder extends Transformer implements DefaultParamsWritable {

    private final String uid;
    private final Param<String> outputCol;
    private final Param<String> format;

    public MmpsDecoder() {
        this(Identifiable.randomUID("mmpsDecoder"));
    }

    public MmpsDecoder(String uid) {
        this.uid = uid;
        outputCol = new Param<>(this, "outputCol", "the column of rebuilt images");
        format = new Param<>(this, "format", "image (the struct of Spark's image data source) or array (floats)");
        setDefault(outputCol, "image");
        setDefault(format, "image");
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> outputCol() { return outputCol; }
    public Param<String> format() { return format; }

    public MmpsDecoder setOutputCol(String value) {
        set(outputCol, Columns.named(value, "outputCol"));
        return this;
    }

    public MmpsDecoder setFormat(String value) {
        set(format, ImageColumn.parse(value, "format").name().toLowerCase(java.util.Locale.ROOT));
        return this;
    }

    public String getOutputCol() { return getOrDefault(outputCol); }
    public String getFormat() { return getOrDefault(format); }

    @Override
    public StructType transformSchema(StructType schema) {
        ImageColumn.positions(schema);
        if (java.util.Arrays.asList(schema.fieldNames()).contains(getOutputCol())) {
            throw new dev.mmps.settings.ValidationException("output column '" + getOutputCol() + "' exists already; "
                    + "setOutputCol to a new name");
        }
        return schema.add(FactorRows.field(getOutputCol(), ImageColumn.parse(getFormat(), "format").type(), true));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        ImageColumn.Appender appender = new ImageColumn.Appender(ImageColumn.parse(getFormat(), "format"),
                ImageColumn.positions(dataset.schema()));
        return dataset.toDF().mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            FactorImages images = new FactorImages();
            return new ClosingIterator<>(rows, images, row -> appender.append(row, images));
        }, Encoders.row(out));
    }

    @Override
    public MmpsDecoder copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<MmpsDecoder> read() {
        return new DefaultParamsReader<>();
    }

    public static MmpsDecoder load(String path) {
        return read().load(path);
    }
}
