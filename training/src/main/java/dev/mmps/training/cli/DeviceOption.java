package dev.mmps.training.cli;

import dev.mmps.training.device.DeviceSetting;
import dev.mmps.training.device.TrainingDevice;
import dev.mmps.training.eval.EvaluationConfig;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --device auto|cpu|gpu}, shared by every training command ({@code @Mixin}): it overlays
 * {@code evaluation.device} (and so {@code MMPS_DEVICE}); {@link #use} chooses the device once the settings are
 * known to be good and logs it as the command's first line.
 */
final class DeviceOption {

    @Option(names = "--device", paramLabel = "auto|cpu|gpu", converter = Parse.class,
            description = "Where to train: auto (the GPU when DJL reports one), cpu or gpu (exit code 2 if there is "
                    + "none). Overrides evaluation.device and MMPS_DEVICE; default auto.")
    private DeviceSetting device;

    /** Puts the option, if given, among a command's config overrides. */
    Map<String, Object> into(Map<String, Object> overrides) {
        if (device != null) {
            overrides.put("device", device.label());
        }
        return overrides;
    }

    /** The option as given, to pass on to another process of the same command; empty if not given. */
    java.util.List<String> arguments() {
        return device == null ? java.util.List.of() : java.util.List.of("--device", device.label());
    }

    /**
     * Chooses the device the settings name and logs it.
     *
     * @throws dev.mmps.settings.ValidationException if a GPU was asked for and DJL has none
     */
    static void use(EvaluationConfig settings) {
        TrainingDevice.choose(settings.device());
        Main.logDevice();
    }

    /** Parses {@code auto}, {@code cpu} or {@code gpu}, in any case; picocli reports anything else as exit code 2. */
    static final class Parse implements CommandLine.ITypeConverter<DeviceSetting> {
        @Override
        public DeviceSetting convert(String value) {
            try {
                return DeviceSetting.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
