package dev.mmps.spark.sink;

import static dev.mmps.table.FactorFormat.*;

import dev.mmps.images.ImageFailure;
import dev.mmps.table.FactorFormat;
import dev.mmps.table.Precision;
import dev.mmps.tensor.codec.ImageFactors;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.metrics.ImageStats;
import java.net.URI;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The Spark schemas of the factor and error tables, and the rows of each. */
public final class FactorRows {

    private static final StructType STAGE = new StructType(new StructField[] {
        field(RANKS, new ArrayType(DataTypes.IntegerType, false), false),
        field(CORES, new ArrayType(DataTypes.BinaryType, false), false)
    });

    /** Where an input came from and what it is labelled: the first columns of both tables. */
    private static final StructField[] IDENTITY = {
        field(ID, DataTypes.StringType, false),
        field(SOURCE, DataTypes.StringType, false),
        field(SOURCE_BYTES, DataTypes.LongType, false),
        field(SOURCE_MODIFIED, DataTypes.TimestampType, true),
        field(LABEL, DataTypes.IntegerType, true),
        field(CLASS_NAME, DataTypes.StringType, true)
    };

    /** How many identity columns begin every table. */
    public static final int IDENTITY_COLUMNS = IDENTITY.length;

    /** Columns of the factor table, in order. */
    public static final StructType FACTORS = table(
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
        field(DISCARDED, new ArrayType(new ArrayType(DataTypes.DoubleType, false), false), false));

    /** Columns of the error table, in order. */
    public static final StructType ERRORS = table(
        field(ERROR_STEP, DataTypes.StringType, false),
        field(ERROR_REASON, DataTypes.StringType, false));

    private FactorRows() {}

    public static StructField field(String name, org.apache.spark.sql.types.DataType type, boolean nullable) {
        return DataTypes.createStructField(name, type, nullable);
    }

    /** The identity columns ({@link Origin}'s, first in every table) followed by a table's own. */
    public static StructType table(StructField... own) {
        List<StructField> fields = new ArrayList<>(Arrays.asList(IDENTITY));
        fields.addAll(Arrays.asList(own));
        return new StructType(fields.toArray(new StructField[0]));
    }

    /** Where an input came from and what it is labelled. */
    public record Origin(String id, String source, long bytes, Timestamp modified, Integer label, String className) {

        /**
         * The origin of an input file: id relative to the input root, label and class from its first folder.
         *
         * @param rootPath the decoded path of the input root, ending in '/' ({@link #rootPath})
         * @param classIndex class name to label
         */
        public static Origin of(String rootPath, Map<String, Integer> classIndex, String source, Timestamp modified,
                long bytes) {
            String id = relativeId(rootPath, source);
            int slash = id.indexOf('/');
            String className = slash > 0 ? id.substring(0, slash) : null;
            Integer label = className == null ? null : classIndex.get(className);
            return new Origin(id, source, bytes, modified, label, label == null ? null : className);
        }

        /** The path of {@code source} (a URI) below the root folder, decoded, with '/' separators. */
        public static String relativeId(String rootPath, String source) {
            String path = URI.create(source).getPath();
            return path.startsWith(rootPath) ? path.substring(rootPath.length()) : path;
        }

        /** The decoded path of an input root given as a URI, ending in '/'. */
        public static String rootPath(String rootUri) {
            String path = new org.apache.hadoop.fs.Path(rootUri).toUri().getPath();
            return path.endsWith("/") ? path : path + "/";
        }
    }

    /**
     * The factor row of one image.
     *
     * @param codec the codec's name, for the {@code codec} column
     * @param stored the factors as stored (at {@code precision})
     * @param stats statistics of the image rebuilt from {@code stored}
     */
    public static Row factorRow(Origin origin, ImageShape shape, String codec, Precision precision, ImageFactors factors,
            List<FactorFormat.StoredStage> stored, ImageStats stats) {
        TensorLayout layout = FactorFormat.layoutOf(factors);
        List<Row> stages = new ArrayList<>();
        for (FactorFormat.StoredStage s : stored) {
            stages.add(RowFactory.create(boxed(s.ranks()), s.cores().toArray(new byte[0][])));
        }
        double[][] discarded = stats.discarded();
        Object[] discardedRows = new Object[discarded.length];
        for (int i = 0; i < discarded.length; i++) {
            discardedRows[i] = Arrays.stream(discarded[i]).boxed().toArray(Double[]::new);
        }
        return row(origin, shape.height(), shape.width(), shape.channels(), layout.spec(),
                layout.order().label(), boxed(layout.dims()), layout.paddedHeight(), layout.paddedWidth(), codec,
                precision.dtype(), stages.toArray(new Row[0]), stats.parameters(), stats.ratio(), stats.relativeError(),
                stats.psnrDb(), stats.errorBound(), discardedRows);
    }

    public static Row errorRow(Origin origin, ImageFailure failure) {
        return row(origin, failure.step().label(), failure.getMessage());
    }

    /** A row of a {@link #table}: the origin's identity columns, then the table's own values. */
    public static Row row(Origin origin, Object... own) {
        Object[] values = new Object[IDENTITY.length + own.length];
        values[0] = origin.id();
        values[1] = origin.source();
        values[2] = origin.bytes();
        values[3] = origin.modified();
        values[4] = origin.label();
        values[5] = origin.className();
        System.arraycopy(own, 0, values, IDENTITY.length, own.length);
        return RowFactory.create(values);
    }

    private static Integer[] boxed(int[] values) {
        return Arrays.stream(values).boxed().toArray(Integer[]::new);
    }
}
