package dev.mmps.settings;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One command's configuration, in three layers: the documented defaults (a HOCON file packaged on
 * the classpath, such as {@code reference.conf}), overlaid by an optional user file
 * ({@code --config}), overlaid by command-line values. Keys are given relative to the root block
 * ({@code mmps}, {@code evaluation}); a typed record is built from the merged layers once, and
 * every problem with the user's values surfaces as a {@link ValidationException}.
 */
public final class ConfigLayers {

    private final String root;
    private final String resource;
    private final Config merged;
    private final Config explicit;

    private ConfigLayers(String root, String resource, Config merged, Config explicit) {
        this.root = root;
        this.resource = resource;
        this.merged = merged;
        this.explicit = explicit;
    }

    /**
     * Loads the layers.
     *
     * @param resource the defaults on the classpath, e.g. {@code reference.conf}
     * @param root the block every key lives in, e.g. {@code mmps}
     * @param userFile a config file, or null
     * @param overrides command-line values by key relative to {@code root}
     * @throws ValidationException if the user file is missing or malformed, or the layers do not resolve
     * @throws IllegalStateException if the defaults are not on the classpath (a broken build)
     */
    public static ConfigLayers load(String resource, String root, File userFile, Map<String, ?> overrides) {
        Config reference = ConfigFactory.parseResources(ConfigLayers.class.getClassLoader(), resource);
        if (!reference.hasPath(root)) {
            throw new IllegalStateException(resource + " with a '" + root + "' block is missing from the classpath; "
                    + "rebuild the jar");
        }
        Config user = ConfigFactory.empty();
        if (userFile != null) {
            if (!userFile.isFile()) {
                throw new ValidationException("config file " + userFile + " does not exist; pass an existing file to "
                        + "--config (its keys are those of conf/" + resource + ")");
            }
            try {
                user = ConfigFactory.parseFile(userFile, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
                        .setAllowMissing(false));
            } catch (ConfigException e) {
                throw new ValidationException("config file " + userFile + " cannot be read: " + e.getMessage(), e);
            }
        }
        Config cli = ConfigFactory.empty();
        for (Map.Entry<String, ?> e : overrides.entrySet()) {
            cli = cli.withValue(root + "." + e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
        }
        Config explicit = cli.withFallback(user);
        refuseUnknownKeys(explicit, reference, root, resource, userFile);
        try {
            return new ConfigLayers(root, resource, explicit.withFallback(reference).resolve(), explicit);
        } catch (ConfigException e) {
            throw new ValidationException("configuration error: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a key the defaults do not have: a misspelt key would otherwise be ignored and its default
     * used without a word, which a long job reveals only when its results are wrong.
     */
    private static void refuseUnknownKeys(Config explicit, Config reference, String root, String resource,
            File userFile) {
        String source = userFile == null ? "the command line" : "config file " + userFile;
        for (String block : explicit.root().keySet()) {
            if (!block.equals(root)) {
                throw new ValidationException(source + " has a top-level block '" + block + "', but every key of "
                        + "this command lives in '" + root + " { ... }' (see conf/" + resource + ")");
            }
        }
        if (!explicit.hasPath(root)) {
            return;
        }
        Config known = reference.getConfig(root);
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> entry : explicit.getConfig(root).entrySet()) {
            if (!isKnown(known, entry.getKey())) {
                unknown.add(entry.getKey());
            }
        }
        if (!unknown.isEmpty()) {
            Collections.sort(unknown);
            String first = unknown.get(0);
            throw new ValidationException(source + " sets " + (unknown.size() == 1 ? "a key" : "keys") + " that '"
                    + root + "' does not have: " + String.join(", ", unknown) + nearest(known, first)
                    + "; every key and its meaning is in conf/" + resource);
        }
    }

    /**
     * Whether {@code path} is a key of the defaults, or lies under a key whose default is null (which a user
     * may fill with a block of their own).
     */
    private static boolean isKnown(Config known, String path) {
        for (String prefix = path; prefix != null; prefix = parent(prefix)) {
            if (known.hasPathOrNull(prefix)) {
                return prefix.equals(path) || known.getIsNull(prefix);
            }
        }
        return false;
    }

    private static String parent(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? null : path.substring(0, dot);
    }

    /** " (did you mean x?)" for the default key closest in spelling to {@code key}, when one is close. */
    private static String nearest(Config known, String key) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Map.Entry<String, ConfigValue> entry : known.entrySet()) {
            int distance = editDistance(key, entry.getKey());
            if (distance < bestDistance) {
                best = entry.getKey();
                bestDistance = distance;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 4) ? " (did you mean " + best + "?)" : "";
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /**
     * Builds the typed configuration from the merged layers.
     *
     * @throws ValidationException for a value of the wrong type or a missing key, naming it
     */
    public <T> T build(Function<ConfigLayers, T> builder) {
        try {
            return builder.apply(this);
        } catch (ConfigException e) {
            throw new ValidationException("configuration error: " + e.getMessage(), e);
        }
    }

    /** The merged configuration under the root block (keys relative to it). */
    public Config merged() {
        return merged.getConfig(root);
    }

    /** Whether the user set {@code key}, in their file or on the command line. */
    public boolean isExplicit(String key) {
        return explicit.hasPath(root + "." + key);
    }

    /** A string value, or null when it is null in every layer. */
    public String stringOrNull(String key) {
        String path = root + "." + key;
        return merged.hasPath(path) && !merged.getIsNull(path) ? merged.getString(path) : null;
    }

    /** The defaults file's name, for messages that point the user at it. */
    public String resource() {
        return resource;
    }
}
