package dev.mmps.spark.select;

import static dev.mmps.spark.sink.FactorRows.field;

import dev.mmps.images.ImageFailure;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.table.FactorFormat;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The tables of {@code mmps select}. Both begin with the identity columns of the factor table
 * ({@code id}, {@code source}, ..., {@code label}, {@code class_name}), so a subset joins a factor
 * table or the original images on {@code id}.
 */
public final class SelectRows {

    public static final String FEATURES_COLUMN = "features";
    public static final String GROUP = "group";
    public static final String PICK = "pick";
    public static final String RADIUS = "radius";

    /** The staged features: 8-bit pixels at the feature size, or the failure in place of them. */
    static final StructType FEATURES = FactorRows.table(
        field(FEATURES_COLUMN, DataTypes.BinaryType, true),
        field(FactorFormat.ERROR_STEP, DataTypes.StringType, true),
        field(FactorFormat.ERROR_REASON, DataTypes.StringType, true));

    /**
     * The selection table: one row per kept image, with its group, its place in the group's pick
     * order (0 first) and, for K-Center, its distance to the nearest earlier pick of its group in
     * pixel units (root of the summed squared differences of values in [0, 1]; null for the first
     * pick and for Random).
     */
    public static final StructType SELECTION = FactorRows.table(
        field(GROUP, DataTypes.IntegerType, false),
        field(PICK, DataTypes.IntegerType, false),
        field(RADIUS, DataTypes.DoubleType, true));

    /** Index of the first column after the identity columns. */
    static final int OWN = FactorRows.IDENTITY_COLUMNS;

    private SelectRows() {}

    static Row feature(FactorRows.Origin origin, byte[] pixels) {
        return FactorRows.row(origin, pixels, null, null);
    }

    static Row failedFeature(FactorRows.Origin origin, ImageFailure failure) {
        return FactorRows.row(origin, null, failure.step().label(), failure.getMessage());
    }

    /** The origin of a row of either table. */
    static FactorRows.Origin origin(Row row) {
        return new FactorRows.Origin(row.getString(0), row.getString(1), row.getLong(2), row.getTimestamp(3),
                row.isNullAt(4) ? null : row.getInt(4), row.getString(5));
    }

    static Row selected(FactorRows.Origin origin, int group, int pick, double radius) {
        return FactorRows.row(origin, group, pick, Double.isFinite(radius) ? radius : null);
    }
}
