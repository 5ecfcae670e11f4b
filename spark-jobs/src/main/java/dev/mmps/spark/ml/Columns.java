package dev.mmps.spark.ml;

import dev.mmps.settings.ValidationException;

/** Checks of the column names the stages are given. */
final class Columns {

    private Columns() {}

    /** The name, if it is one a column can have. */
    static String named(String name, String param) {
        if (name == null || name.isBlank()) {
            throw new ValidationException(param + " '" + name + "' is not a column name; give the name of a column");
        }
        return name;
    }
}
