package dev.mmps.spark.ml;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.spark.config.JobConfig;
import dev.mmps.spark.config.JobSetting;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The encoder's parameters are settings of the compress job under their MLlib names: each maps to its key in
 * {@code conf/reference.conf}, takes its default from there, and is checked by the job's own loader, so the
 * encoder and {@code compress} accept the same values with the same messages.
 */
final class EncoderSettings {

    /** The parameter names and the keys they set. */
    static final Map<String, JobSetting> KEYS = Map.ofEntries(
            Map.entry("ratio", JobSetting.TRUNCATION),
            Map.entry("stages", JobSetting.STAGES),
            Map.entry("codec", JobSetting.CODEC),
            Map.entry("precision", JobSetting.PRECISION),
            Map.entry("layout", JobSetting.LAYOUT),
            Map.entry("size", JobSetting.SIZE),
            Map.entry("channels", JobSetting.CHANNELS),
            Map.entry("decoder", JobSetting.DECODER),
            Map.entry("route", JobSetting.ROUTE),
            Map.entry("calibrationImages", JobSetting.CALIBRATION_IMAGES),
            Map.entry("maxPixels", JobSetting.MAX_PIXELS),
            Map.entry("maxFileBytes", JobSetting.MAX_FILE_BYTES));

    private static final String RATIO_KEY = "compression.ratio";

    private EncoderSettings() {}

    /** The key a parameter sets (the truncation is set by its ratio). */
    static String key(String param) {
        JobSetting setting = KEYS.get(param);
        return setting == JobSetting.TRUNCATION ? RATIO_KEY : setting.key();
    }

    /** The defaults of {@code reference.conf}, under its root. */
    static Config reference() {
        return ConfigFactory.parseResources(EncoderSettings.class.getClassLoader(), ConfigLoader.REFERENCE)
                .getConfig(ConfigLoader.ROOT);
    }

    /**
     * The job's settings with these values (by parameter name) over the defaults.
     *
     * @throws dev.mmps.settings.ValidationException naming the value, the rule and the fix
     */
    static JobConfig load(Map<String, Object> values) {
        Map<String, Object> overrides = new LinkedHashMap<>();
        // The stage has neither: the data frame is its input and its output.
        overrides.put(JobSetting.INPUT.key(), "-");
        overrides.put(JobSetting.OUTPUT.key(), "-");
        values.forEach((param, value) -> overrides.put(key(param), value));
        return ConfigLoader.load(null, overrides);
    }
}
