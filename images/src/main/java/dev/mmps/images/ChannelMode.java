package dev.mmps.images;

import java.util.Locale;

/** How many channels an image keeps after decoding. */
public enum ChannelMode {
    /** Grayscale images stay one channel, colour images three; an alpha channel is dropped. */
    AUTO,
    /** Always three channels: grayscale is repeated, alpha is dropped. */
    RGB,
    /** Always one channel: colour images become luma (0.299 R + 0.587 G + 0.114 B). */
    GRAY;

    public static ChannelMode parse(String text) {
        if (text != null) {
            for (ChannelMode m : values()) {
                if (m.name().equalsIgnoreCase(text.trim())) {
                    return m;
                }
            }
        }
        throw new IllegalArgumentException("channel mode '" + text + "' is unknown: use auto, rgb or gray");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
