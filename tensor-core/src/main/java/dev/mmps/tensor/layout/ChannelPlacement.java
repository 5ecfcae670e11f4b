package dev.mmps.tensor.layout;

import java.util.Locale;

/** Where an automatically planned layout puts the colour channels. */
public enum ChannelPlacement {
    /** A core of their own after the spatial cores. */
    LAST,
    /** A core of their own before the spatial cores (block order only). */
    FIRST,
    /** Folded into the finest spatial core. */
    MERGED;

    public static ChannelPlacement parse(String text) {
        if (text != null) {
            for (ChannelPlacement p : values()) {
                if (p.name().equalsIgnoreCase(text.trim())) {
                    return p;
                }
            }
        }
        throw new IllegalArgumentException("channel placement '" + text + "' is unknown: use last, first or merged");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
