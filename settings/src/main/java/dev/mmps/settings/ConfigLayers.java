package dev.mmps.settings;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
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
        try {
            return new ConfigLayers(root, resource, explicit.withFallback(reference).resolve(), explicit);
        } catch (ConfigException e) {
            throw new ValidationException("configuration error: " + e.getMessage(), e);
        }
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
