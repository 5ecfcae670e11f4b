package dev.mmps.training.device;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What the user asked for: a GPU when there is one, the CPU, or a GPU without fail. */
public enum DeviceSetting {
    /** The GPU when DJL reports one, else the CPU. */
    AUTO,
    /** The CPU, even on a machine with a GPU. */
    CPU,
    /** The first GPU DJL reports; no GPU is an error. */
    GPU;

    /** The name users write: {@code auto}, {@code cpu}, {@code gpu}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The accepted names, for messages and help: {@code auto, cpu, gpu}. */
    public static String choices() {
        return Arrays.stream(values()).map(DeviceSetting::label).collect(Collectors.joining(", "));
    }

    /**
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static DeviceSetting parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (DeviceSetting s : values()) {
            if (s.label().equals(t)) {
                return s;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a device: use " + choices());
    }
}
