package dev.mmps.spark.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import dev.mmps.images.ChannelMode;
import dev.mmps.images.DecoderChoice;
import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.table.Precision;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * How the job commands' options meet the settings: an option that sets a {@code reference.conf} key
 * names it as its {@code descriptionKey}. Its default, shown in {@code --help}, is read from
 * {@code reference.conf} ({@link #DEFAULTS}), so no help text repeats a default; and the options the
 * user gave become the overrides of the configuration's top layer ({@link #overrides}), typed values as
 * picocli converted them.
 */
final class SettingOptions {

    private static final Config REFERENCE = ConfigFactory.parseResources(SettingOptions.class.getClassLoader(),
            ConfigLoader.REFERENCE).getConfig(ConfigLoader.ROOT);

    /** Defaults of the options that set a key: the key's value in {@code reference.conf}, or none if null. */
    static final CommandLine.IDefaultValueProvider DEFAULTS = SettingOptions::defaultValue;

    private SettingOptions() {}

    private static String defaultValue(ArgSpec arg) {
        String key = key(arg);
        if (key == null || !REFERENCE.hasPath(key)) {
            return null;
        }
        ConfigValue value = REFERENCE.getValue(key);
        return String.valueOf(value.unwrapped());
    }

    /** Registers the converters of the enum-valued options on a command line and its subcommands. */
    static void registerConverters(CommandLine cli) {
        cli.registerConverter(Precision.class, text -> convert(() -> Precision.parse(text)));
        cli.registerConverter(ChannelMode.class, text -> convert(() -> ChannelMode.parse(text)));
        cli.registerConverter(DecoderChoice.class, text -> convert(() -> DecoderChoice.parse(text)));
    }

    private static <T> T convert(java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /**
     * The settings the user gave on the command line, by key: options with a {@code descriptionKey}
     * that were matched, not those that only took their default.
     */
    static Map<String, Object> overrides(CommandLine.ParseResult parsed) {
        Map<String, Object> o = new LinkedHashMap<>();
        for (OptionSpec option : parsed.matchedOptions()) {
            String key = key(option);
            if (key != null) {
                o.put(key, configValue(option.getValue()));
            }
        }
        return o;
    }

    /** A value as the configuration layer takes it: numbers, booleans and text, enums by their label. */
    private static Object configValue(Object value) {
        if (value instanceof Precision p) {
            return p.label();
        }
        if (value instanceof ChannelMode m) {
            return m.label();
        }
        if (value instanceof DecoderChoice d) {
            return d.label();
        }
        return value instanceof Number || value instanceof Boolean ? value : String.valueOf(value);
    }

    private static String key(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option)) {
            return null;
        }
        String key = option.descriptionKey();
        return key == null || key.isEmpty() ? null : key;
    }
}
