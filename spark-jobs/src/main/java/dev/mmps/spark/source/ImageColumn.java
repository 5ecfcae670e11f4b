package dev.mmps.spark.source;

import dev.mmps.settings.ValidationException;
import dev.mmps.table.FactorFormat;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * How a rebuilt image is given as a column: the struct of Spark's {@code image} data source (so other image
 * stages can follow), or a float array {@code H x W x C} row-major on the [0, 1] scale.
 */
public enum ImageColumn {
    IMAGE,
    ARRAY;

    /** The column's type. */
    public DataType type() {
        return this == IMAGE ? FactorImages.imageStruct() : DataTypes.createArrayType(DataTypes.FloatType, false);
    }

    /** The column's value for a rebuilt image. */
    public Object value(String origin, int height, int width, int channels, float[] hwc) {
        if (this == IMAGE) {
            return FactorImages.imageRow(origin, height, width, channels, hwc);
        }
        Float[] boxed = new Float[hwc.length];
        for (int i = 0; i < hwc.length; i++) {
            boxed[i] = hwc[i];
        }
        return boxed;
    }

    /**
     * @throws ValidationException for a name that is neither, naming it and the choices
     */
    public static ImageColumn parse(String name, String option) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ValidationException(option + " '" + name + "' is unknown: use image (the struct of Spark's "
                    + "image data source) or array (floats on [0, 1], H x W x C)");
        }
    }

    /**
     * The positions of the columns a rebuild needs ({@code source}, then {@link FactorImages#COLUMNS}).
     *
     * @throws ValidationException if the schema lacks one, naming it
     */
    public static int[] positions(StructType schema) {
        Set<String> names = Arrays.stream(schema.fieldNames()).collect(Collectors.toSet());
        List<String> needed = needed();
        for (String c : needed) {
            if (!names.contains(c)) {
                throw new ValidationException("column '" + c + "' is missing; images are rebuilt from the factor "
                        + "table's columns " + needed + " (read the table with format(\"mmps\").option(\"decode\", "
                        + "\"none\") or as Parquet)");
            }
        }
        return needed.stream().mapToInt(schema::fieldIndex).toArray();
    }

    /** The columns a rebuild reads: {@code source} (the image's origin) and those of {@link FactorImages#COLUMNS}. */
    public static List<String> needed() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(FactorFormat.SOURCE),
                FactorImages.COLUMNS.stream()).toList();
    }

    /** Rebuilds rows: each row's values with the image column's value appended. */
    public record Appender(ImageColumn column, int[] at) implements Serializable {

        /** The row's values, then its rebuilt image in the column's form. */
        public Row append(Row row, FactorImages images) {
            Object[] values = new Object[row.length() + 1];
            for (int i = 0; i < row.length(); i++) {
                values[i] = row.get(i);
            }
            values[row.length()] = image(row, images);
            return RowFactory.create(values);
        }

        /** The row's rebuilt image in the column's form; null when its factors are null (an input that failed). */
        public Object image(Row row, FactorImages images) {
            if (row.isNullAt(at[at.length - 1])) {
                return null;
            }
            int[] rebuild = Arrays.copyOfRange(at, 1, at.length);
            float[] hwc = images.rebuild(row, rebuild);
            return column.value(row.getString(at[0]), row.getInt(at[1]), row.getInt(at[2]), row.getInt(at[3]), hwc);
        }
    }
}
