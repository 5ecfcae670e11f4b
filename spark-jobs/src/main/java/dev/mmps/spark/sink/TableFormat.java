package dev.mmps.spark.sink;

import java.util.Locale;

/**
 * How an output's factor and error tables are stored ({@code output-format.table}): plain Parquet folders
 * committed by one rename, or Delta tables committed through their logs, which object stores without an
 * atomic rename need and which keep earlier versions readable.
 */
public enum TableFormat {
    PARQUET,
    DELTA;

    /** The class Spark loads for Delta's SQL support; present when delta-spark is on the classpath. */
    public static final String DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension";
    /** The catalog Delta's MERGE needs as the session catalog. */
    public static final String DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog";

    public static TableFormat parse(String text) {
        if (text != null) {
            for (TableFormat f : values()) {
                if (f.label().equals(text.trim().toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
        }
        throw new IllegalArgumentException("output-format.table '" + text + "' is unknown: use parquet or delta");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether Delta's classes are on this JVM's classpath. */
    public static boolean deltaAvailable() {
        try {
            Class.forName(DELTA_EXTENSION, false, TableFormat.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
