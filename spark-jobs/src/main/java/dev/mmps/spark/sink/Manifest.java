package dev.mmps.spark.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mmps.table.FactorFormat;
import dev.mmps.tensor.codec.RankProfile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;

/** The manifest of a compress run: JSON, written last, describing the whole output. */
public final class Manifest {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Manifest() {}

    public static byte[] toJson(Map<String, Object> manifest) {
        try {
            return JSON.writeValueAsBytes(manifest);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("manifest cannot be serialised: " + e.getMessage(), e);
        }
    }

    public static String toJsonString(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads {@code manifest.json} of an output folder.
     *
     * @throws IllegalArgumentException if the folder is not a complete mmps output
     */
    public static JsonNode read(String output, Configuration conf) {
        try {
            Path path = new Path(output, OutputFolder.MANIFEST);
            FileSystem fs = path.getFileSystem(conf);
            if (!fs.exists(path)) {
                throw new IllegalArgumentException(output + " has no " + OutputFolder.MANIFEST
                        + ": it is not a complete mmps output; pass the folder given to compress --output");
            }
            try (InputStream in = fs.open(path)) {
                return JSON.readTree(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the manifest of " + output + ": " + e.getMessage(), e);
        }
    }

    /** A manifest read with {@link #read}, as plain maps and lists. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> toMap(JsonNode manifest) {
        return JSON.convertValue(manifest, LinkedHashMap.class);
    }

    /** The version of this build of mmps. */
    /** The first five rows of an error table ({@link FactorRows#ERRORS}) as id, step and reason. */
    public static List<Map<String, Object>> errorExamples(List<Row> errors) {
        List<Map<String, Object>> examples = new ArrayList<>();
        int step = FactorRows.ERRORS.fieldIndex(FactorFormat.ERROR_STEP);
        for (Row e : errors.subList(0, Math.min(5, errors.size()))) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("id", e.getString(0));
            x.put("step", e.getString(step));
            x.put("reason", e.getString(step + 1));
            examples.add(x);
        }
        return examples;
    }

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

    /** A rank profile as manifest values: its layout, mean ranks and (when calibrated) spectra. */
    public static Map<String, Object> describe(RankProfile profile) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layout", profile.layoutSpec());
        m.put("mean_ranks", profile.weights());
        m.put("energy", profile.energy());
        return m;
    }

    /**
     * The rank profile a manifest recorded ({@link #describe}), or null when it recorded none or
     * only its mean ranks (manifests written before the spectra were kept).
     */
    public static RankProfile rankProfile(JsonNode manifest) {
        JsonNode p = manifest.path("compression").path("rank_profile");
        if (!p.isObject() || !p.path("energy").isArray()) {
            return null;
        }
        try {
            return new RankProfile(p.path("layout").asText(), JSON.treeToValue(p.path("mean_ranks"), double[][].class),
                    JSON.treeToValue(p.path("energy"), double[][][].class));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the manifest's rank_profile is malformed (" + e.getOriginalMessage()
                    + "); compress into a new output instead", e);
        }
    }

}
