package dev.mmps.spark.source;

import dev.mmps.settings.ValidationException;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.sources.RelationProvider;
import scala.collection.immutable.Map;

/**
 * {@code spark.read.format("mmps").load(OUT)}: a factor table (the output folder of {@code compress}) with its
 * images rebuilt, or a subset table (of {@code select}). Option {@code decode}: {@code image} (the struct of
 * Spark's {@code image} data source, the default for factor tables), {@code array} (floats, {@code H x W x C} on
 * [0, 1]) or {@code none} (the factor columns as stored, the default for subsets). Option {@code versionAsOf}:
 * of an output written as Delta tables, the factor table's version to read (the newest when absent), as
 * Delta's own reader takes it. See {@link FactorRelation}.
 */
public final class MmpsDataSource implements RelationProvider, DataSourceRegister {

    public static final String NAME = "mmps";
    public static final String DECODE = "decode";
    public static final String VERSION = "versionAsOf";

    @Override
    public String shortName() {
        return NAME;
    }

    @Override
    public BaseRelation createRelation(SQLContext context, Map<String, String> parameters) {
        if (parameters.get("path").isEmpty()) {
            throw new ValidationException("no path given; use spark.read.format(\"mmps\").load(OUT) with the output "
                    + "folder of mmps compress or select");
        }
        String decode = parameters.get(DECODE).isEmpty() ? null : parameters.get(DECODE).get();
        Long version = null;
        if (parameters.get(VERSION).isDefined()) {
            String text = parameters.get(VERSION).get();
            try {
                version = Long.parseLong(text.trim());
            } catch (NumberFormatException e) {
                throw new ValidationException("option " + VERSION + " '" + text + "' is not a table version; give a "
                        + "whole number (the versions are in the output's Delta log and in DESCRIBE HISTORY)", e);
            }
        }
        return FactorRelation.open(context, parameters.get("path").get(), decode, version);
    }
}
