package dev.mmps.spark.sink;

import static dev.mmps.spark.table.FactorFormat.*;

import dev.mmps.spark.ingest.ImageFailure;
import dev.mmps.spark.table.FactorFormat;
import dev.mmps.tensor.codec.CompressedImage;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.metrics.ImageStats;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The Spark schemas of the factor and error tables, and the rows the compress stage emits. The
 * stage emits one schema ({@link #OUTCOME}) for both kinds, told apart by {@link #STATUS}, so
 * each image is processed once; the writer then splits them into the two tables.
 */
public final class FactorRows {

    public static final String STATUS = "status";
    public static final String STATUS_FACTOR = "factor";
    public static final String STATUS_ERROR = "error";

    private static final StructType STAGE = new StructType(new StructField[] {
        field(RANKS, new ArrayType(DataTypes.IntegerType, false), false),
        field(CORES, new ArrayType(DataTypes.BinaryType, false), false)
    });

    /** Columns of the factor table, in order. */
    public static final StructType FACTORS = new StructType(new StructField[] {
        field(ID, DataTypes.StringType, false),
        field(SOURCE, DataTypes.StringType, false),
        field(SOURCE_BYTES, DataTypes.LongType, false),
        field(SOURCE_MODIFIED, DataTypes.TimestampType, true),
        field(LABEL, DataTypes.IntegerType, true),
        field(CLASS_NAME, DataTypes.StringType, true),
        field(HEIGHT, DataTypes.IntegerType, false),
        field(WIDTH, DataTypes.IntegerType, false),
        field(CHANNELS, DataTypes.IntegerType, false),
        field(LAYOUT, DataTypes.StringType, false),
        field(INDEX_ORDER, DataTypes.StringType, false),
        field(DIMS, new ArrayType(DataTypes.IntegerType, false), false),
        field(PADDED_HEIGHT, DataTypes.IntegerType, false),
        field(PADDED_WIDTH, DataTypes.IntegerType, false),
        field(CODEC, DataTypes.StringType, false),
        field(DTYPE, DataTypes.StringType, false),
        field(STAGES, new ArrayType(STAGE, false), false),
        field(PARAMETERS, DataTypes.LongType, false),
        field(RATIO, DataTypes.DoubleType, false),
        field(RELATIVE_ERROR, DataTypes.DoubleType, false),
        field(PSNR_DB, DataTypes.DoubleType, false),
        field(ERROR_BOUND, DataTypes.DoubleType, false),
        field(DISCARDED, new ArrayType(new ArrayType(DataTypes.DoubleType, false), false), false)
    });

    /** Columns of the error table, in order. */
    public static final StructType ERRORS = new StructType(new StructField[] {
        field(ID, DataTypes.StringType, false),
        field(SOURCE, DataTypes.StringType, false),
        field(SOURCE_BYTES, DataTypes.LongType, false),
        field(SOURCE_MODIFIED, DataTypes.TimestampType, true),
        field(LABEL, DataTypes.IntegerType, true),
        field(CLASS_NAME, DataTypes.StringType, true),
        field(ERROR_STEP, DataTypes.StringType, false),
        field(ERROR_REASON, DataTypes.StringType, false)
    });

    /** What the compress stage emits: a status, then every factor column, then step and reason. */
    public static final StructType OUTCOME = outcome();

    private FactorRows() {}

    private static StructField field(String name, org.apache.spark.sql.types.DataType type, boolean nullable) {
        return DataTypes.createStructField(name, type, nullable);
    }

    private static StructType outcome() {
        List<StructField> fields = new ArrayList<>();
        fields.add(field(STATUS, DataTypes.StringType, false));
        for (StructField f : FACTORS.fields()) {
            boolean identity = Arrays.asList(ID, SOURCE, SOURCE_BYTES).contains(f.name());
            fields.add(field(f.name(), f.dataType(), !identity));
        }
        fields.add(field(ERROR_STEP, DataTypes.StringType, true));
        fields.add(field(ERROR_REASON, DataTypes.StringType, true));
        return new StructType(fields.toArray(new StructField[0]));
    }

    /** Where an input came from and what it is labelled. */
    public record Origin(String id, String source, long bytes, Timestamp modified, Integer label, String className) {}

    public static Row factorRow(Origin origin, ImageShape shape, CompressedImage image) {
        TensorLayout layout = image.factors().layout();
        ImageStats stats = image.stats();
        List<Row> stages = new ArrayList<>();
        for (FactorFormat.StoredStage s : FactorFormat.encode(image.factors())) {
            stages.add(RowFactory.create(boxed(s.ranks()), s.cores().toArray(new byte[0][])));
        }
        double[][] discarded = stats.discarded();
        Object[] discardedRows = new Object[discarded.length];
        for (int i = 0; i < discarded.length; i++) {
            discardedRows[i] = Arrays.stream(discarded[i]).boxed().toArray(Double[]::new);
        }
        return RowFactory.create(STATUS_FACTOR, origin.id(), origin.source(), origin.bytes(), origin.modified(),
                origin.label(), origin.className(), shape.height(), shape.width(), shape.channels(), layout.spec(),
                layout.order().label(), boxed(layout.dims()), layout.paddedHeight(), layout.paddedWidth(), CODEC_MMPS,
                DTYPE_FLOAT32, stages.toArray(new Row[0]), stats.parameters(), stats.ratio(), stats.relativeError(),
                stats.psnrDb(), stats.errorBound(), discardedRows, null, null);
    }

    public static Row errorRow(Origin origin, ImageFailure failure) {
        Object[] values = new Object[OUTCOME.size()];
        values[0] = STATUS_ERROR;
        values[1] = origin.id();
        values[2] = origin.source();
        values[3] = origin.bytes();
        values[4] = origin.modified();
        values[5] = origin.label();
        values[6] = origin.className();
        values[OUTCOME.size() - 2] = failure.step().label();
        values[OUTCOME.size() - 1] = failure.getMessage();
        return RowFactory.create(values);
    }

    private static Integer[] boxed(int[] values) {
        return Arrays.stream(values).boxed().toArray(Integer[]::new);
    }
}
