package dev.mmps.table;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmps.settings.ValidationException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.ParameterizedType;
import java.nio.charset.StandardCharsets;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads and writes the manifests of mmps outputs ({@link TableManifest}, {@link SubsetManifest}): one
 * JSON mapper (Jackson, snake_case keys, indented), and one reading path that every module goes
 * through. Reading checks, in this order, that the file is a JSON object, that its schema version is
 * one this build reads, and that every key the record requires is there, so a damaged or newer file is
 * refused with a message that names the file, the key or version, and what to do.
 */
public final class ManifestFiles {

    /** The file name of a manifest in an output folder. */
    public static final String NAME = "manifest.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            // A newer build may add keys within a schema version; readers of that version skip them.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final PropertyNamingStrategies.NamingBase KEYS =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    private ManifestFiles() {}

    /** A manifest as the bytes of its file. */
    public static byte[] toJson(Object manifest) {
        try {
            return JSON.writeValueAsBytes(manifest);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("manifest cannot be written as JSON: " + e.getMessage(), e);
        }
    }

    /**
     * A value written with {@link #toJsonString} read back as {@code type}: how a fitted pipeline stage keeps
     * a part of a manifest (its rank profile) among its parameters.
     *
     * @param where what holds the JSON, for the error message
     * @throws ValidationException if the JSON does not hold a {@code type}
     */
    public static <T> T fromJsonString(String json, Class<T> type, String where) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new ValidationException(where + " does not hold a valid " + type.getSimpleName() + " ("
                    + e.getOriginalMessage() + "); save the stage again with this mmps", e);
        }
    }

    /** Plain values (maps, lists, numbers) as indented JSON, for reports and {@code --json} output. */
    public static String toJsonString(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("value cannot be written as JSON: " + e.getMessage(), e);
        }
    }

    /**
     * The manifest of a compress output.
     *
     * @param folder the output folder (the {@code --output} of compress), or its {@code factors/} folder
     * @throws ValidationException if there is no manifest, or it is malformed, of an unreadable schema
     *     version, or lacks a key
     */
    public static TableManifest readTable(String folder, Configuration conf) {
        return readTable(folder, null, conf);
    }

    /**
     * The manifest of a compress output at a version. An output written as Delta tables keeps its
     * manifest in the factor table's commits: it is read from the log of the version asked for (its
     * {@code delta.version} and stored bytes filled in from the log), never from the copy in
     * {@code manifest.json}, which a run stopped after its commit may not have updated.
     *
     * @param version the factor table's version, or null for the newest; only a Delta output has versions
     * @throws ValidationException as {@link #readTable(String, Configuration)}, or if a version is named for a
     *     Parquet output, or the version does not exist
     */
    public static TableManifest readTable(String folder, Long version, Configuration conf) {
        Path factors = factorsFolder(folder, conf);
        if (factors != null && DeltaSnapshot.isDelta(factors, conf)) {
            return deltaTable(factors, version, conf);
        }
        if (version != null) {
            throw new ValidationException(folder + " is a Parquet output, which keeps one version only; leave the "
                    + "version out (outputs written with --table-format delta keep their versions)");
        }
        Path file = locate(folder, conf);
        return table(tree(file, conf), file);
    }

    private static TableManifest deltaTable(Path factors, Long version, Configuration conf) {
        DeltaSnapshot snapshot = DeltaSnapshot.read(factors, version, conf);
        Path where = new Path(new Path(factors, DeltaSnapshot.LOG), String.format("%020d.json", snapshot.version()));
        if (snapshot.userMetadata() == null) {
            throw new ValidationException(factors + " is a Delta table whose commits carry no mmps manifest: it was "
                    + "not written by mmps; read it with Spark's format(\"delta\")");
        }
        TableManifest manifest = table(parse(snapshot.userMetadata().getBytes(StandardCharsets.UTF_8), where), where);
        if (manifest.delta() == null) {
            throw new ValidationException(where + " holds a manifest without its Delta versions; the table is damaged: "
                    + "compress the images again into a new output");
        }
        long errorBytes = DeltaSnapshot.read(new Path(factors.getParent(), FactorTableReader.ERRORS),
                manifest.delta().errorsVersion(), conf).bytes();
        TableManifest.Totals t = manifest.totals();
        long images = manifest.counts().images();
        return manifest.withDelta(new TableManifest.Delta(snapshot.version(), manifest.delta().errorsVersion()))
                .withTotals(new TableManifest.Totals(t.inputBytes(), snapshot.bytes(),
                        images == 0 ? 0.0 : (double) snapshot.bytes() / images, errorBytes, t.storedValues()));
    }

    /** The {@code factors/} folder of an output folder, or the folder itself when it is one; null if neither exists. */
    private static Path factorsFolder(String folder, Configuration conf) {
        try {
            Path given = new Path(folder);
            FileSystem fs = given.getFileSystem(conf);
            Path inside = new Path(given, FactorTableReader.FACTORS);
            if (fs.exists(inside)) {
                return inside;
            }
            return FactorTableReader.FACTORS.equals(given.getName()) && fs.exists(given) ? given : null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look at " + folder + ": " + e.getMessage(), e);
        }
    }

    /**
     * The manifest of an {@code mmps select} output.
     *
     * @throws ValidationException as {@link #readTable}
     */
    public static SubsetManifest readSubset(String folder, Configuration conf) {
        Path file = locate(folder, conf);
        JsonNode tree = tree(file, conf);
        // Subsets were first written without a schema version; those are version 1.
        ((ObjectNode) tree).putIfAbsent("schema_version", ((ObjectNode) tree).numberNode(1));
        version(tree, file, SubsetManifest.SCHEMA_VERSION, SubsetManifest.SCHEMA_VERSION);
        return bind(tree, SubsetManifest.class, file);
    }

    /**
     * Parses a compress output's manifest from its bytes.
     *
     * @param where the file's name, for messages
     * @throws ValidationException as {@link #readTable}
     */
    public static TableManifest parseTable(byte[] json, String where) {
        Path file = new Path(where);
        return table(parse(json, file), file);
    }

    private static TableManifest table(JsonNode tree, Path file) {
        int version = version(tree, file, FactorFormat.OLDEST_READABLE_VERSION, FactorFormat.SCHEMA_VERSION);
        if (version == 1) {
            upgradeVersionOne((ObjectNode) tree);
        }
        return bind(tree, TableManifest.class, file);
    }

    /** The manifest file of an output folder (or of the folder holding a {@code factors/} table). */
    private static Path locate(String folder, Configuration conf) {
        try {
            Path given = new Path(folder);
            FileSystem fs = given.getFileSystem(conf);
            Path file = new Path(given, NAME);
            if (!fs.exists(file) && "factors".equals(given.getName()) && given.getParent() != null) {
                file = new Path(given.getParent(), NAME);
            }
            if (!fs.exists(file)) {
                throw new ValidationException(folder + " has no " + NAME + ": it is not a complete mmps output; pass "
                        + "the folder given to --output (a run that stopped leaves none)");
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look for the manifest of " + folder + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode tree(Path file, Configuration conf) {
        try (InputStream in = file.getFileSystem(conf).open(file)) {
            return parse(in.readAllBytes(), file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode parse(byte[] json, Path file) {
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ValidationException(file + " is not valid JSON (" + e.getOriginalMessage()
                    + "); the output is damaged: compress the images again into a new output", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file + ": " + e.getMessage(), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new ValidationException(file + " does not hold a JSON object; the output is damaged: compress the "
                    + "images again into a new output");
        }
        return tree;
    }

    /** The schema version, checked against what this build reads. */
    private static int version(JsonNode tree, Path file, int oldest, int newest) {
        JsonNode v = tree.get("schema_version");
        if (v == null || !v.canConvertToExactIntegral()) {
            throw new ValidationException(file + " lacks key 'schema_version' (or it is not a whole number); the "
                    + "output is damaged or was not written by mmps: compress the images again into a new output");
        }
        int version = v.asInt();
        if (version > newest) {
            throw new ValidationException(file + " has schema version " + version + ", newer than this mmps reads ("
                    + oldest + " to " + newest + "); it was written by mmps " + tree.path("mmps_version").asText("?")
                    + ": read it with that version or a later one");
        }
        if (version < oldest) {
            throw new ValidationException(file + " has schema version " + version + ", older than this mmps reads ("
                    + oldest + " to " + newest + "): compress the images again into a new output");
        }
        return version;
    }

    /**
     * Version 1 had no codecs or precisions (every row is MMPS at float32), no per-image stored bytes
     * and no error examples; this fills in what version 2 requires, as it was.
     */
    private static void upgradeVersionOne(ObjectNode tree) {
        if (!tree.has("error_examples")) {
            tree.putArray("error_examples");
        }
        if (tree.path("compression") instanceof ObjectNode compression) {
            compression.putIfAbsent("codec", compression.textNode(FactorFormat.CODEC_MMPS));
            compression.putIfAbsent("precision", compression.textNode("fp32"));
            compression.putIfAbsent("dtype", compression.textNode(FactorFormat.DTYPE_FLOAT32));
        }
        if (tree.path("totals") instanceof ObjectNode totals && !totals.has("stored_bytes_per_image")) {
            long images = tree.path("counts").path("images").asLong();
            totals.put("stored_bytes_per_image", images == 0 ? 0.0
                    : totals.path("stored_bytes").asDouble() / images);
        }
    }

    private static <T> T bind(JsonNode tree, Class<T> type, Path file) {
        requireKeys(tree, type, "", file);
        try {
            return JSON.treeToValue(tree, type);
        } catch (JsonMappingException e) {
            throw new ValidationException(file + " is malformed at '" + e.getPathReference() + "' ("
                    + e.getOriginalMessage() + "); the output is damaged: compress the images again into a new output",
                    e);
        } catch (JsonProcessingException e) {
            throw new ValidationException(file + " is malformed (" + e.getOriginalMessage() + "); the output is "
                    + "damaged: compress the images again into a new output", e);
        }
    }

    /**
     * Every component of a record is a required key unless it is left out when null
     * ({@code @JsonInclude(NON_NULL)}); nested records and lists of them are checked the same way.
     */
    private static void requireKeys(JsonNode node, Class<?> type, String prefix, Path file) {
        for (RecordComponent c : type.getRecordComponents()) {
            String key = KEYS.translate(c.getName());
            JsonNode value = node.get(key);
            JsonInclude include = c.getAccessor().getAnnotation(JsonInclude.class);
            boolean optional = include != null && include.value() == JsonInclude.Include.NON_NULL;
            if (value == null) {
                if (optional) {
                    continue;
                }
                throw new ValidationException(file + " lacks key '" + prefix + key + "'; the output is damaged or "
                        + "was written by another program: compress the images again into a new output");
            }
            if (value.isNull()) {
                continue;
            }
            if (c.getType().isRecord() && value.isObject()) {
                requireKeys(value, c.getType(), prefix + key + ".", file);
            } else if (List.class.equals(c.getType()) && value.isArray()) {
                Class<?> element = elementType(c.getGenericType());
                if (element != null && element.isRecord()) {
                    for (int i = 0; i < value.size(); i++) {
                        requireKeys(value.get(i), element, prefix + key + "[" + i + "].", file);
                    }
                }
            }
        }
    }

    private static Class<?> elementType(Type listType) {
        if (listType instanceof ParameterizedType p && p.getActualTypeArguments()[0] instanceof Class<?> c) {
            return c;
        }
        return null;
    }
}
