package dev.mmps.spark.sink;

import dev.mmps.table.FactorFormat;
import dev.mmps.table.TableManifest;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What the Spark jobs put into the manifests they write ({@link TableManifest},
 * {@link dev.mmps.table.SubsetManifest}, read and written through {@link dev.mmps.table.ManifestFiles}):
 * this build's version and examples from the error table.
 */
public final class Manifest {

    /** Error rows a manifest shows as examples. */
    private static final int EXAMPLES = 5;

    private Manifest() {}

    /** The first few rows of an error table ({@link FactorRows#ERRORS}) by id, as examples; one small query. */
    public static List<TableManifest.ErrorExample> errorExamples(Dataset<Row> errors) {
        return errorExamples(errors.orderBy(FactorFormat.ID).limit(EXAMPLES).collectAsList());
    }

    /** The first few rows of an error table ({@link FactorRows#ERRORS}), sorted by id, as examples. */
    public static List<TableManifest.ErrorExample> errorExamples(List<Row> errors) {
        int step = FactorRows.ERRORS.fieldIndex(FactorFormat.ERROR_STEP);
        return errors.subList(0, Math.min(EXAMPLES, errors.size())).stream()
                .map(e -> new TableManifest.ErrorExample(e.getString(0), e.getString(step), e.getString(step + 1)))
                .toList();
    }

    /** The version of this build of mmps. */
    public static String version() {
        Properties p = new Properties();
        try (InputStream in = Manifest.class.getResourceAsStream("/mmps-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }
}
