package dev.mmps.tensor.layout;

import java.util.Locale;

/** How the pixels of an image are arranged along the cores of its tensor. */
public enum IndexOrder {
    /**
     * The plain row-major order of the paper's Algorithm 1: the (padded) image is flattened as
     * {@code [y][x][c]} and reshaped to the core dimensions.
     */
    ROW,
    /**
     * Coarse-to-fine blocks, as in quantics tensor trains: each core carries one level of a
     * block hierarchy, a factor of the height and of the width together (and of the channels,
     * where they are placed), so neighbouring pixels share all but the last cores.
     */
    BLOCK;

    /** Parses {@code row} or {@code block}, case-insensitively. */
    public static IndexOrder parse(String text) {
        if (text != null) {
            for (IndexOrder order : values()) {
                if (order.name().equalsIgnoreCase(text.trim())) {
                    return order;
                }
            }
        }
        throw new IllegalArgumentException("index order '" + text + "' is unknown: use 'row' or 'block'");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
