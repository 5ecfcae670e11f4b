package dev.mmps.spark.config;

import dev.mmps.spark.select.Greedy;
import java.io.Serializable;
import java.util.List;

/**
 * The subset {@code mmps select} picks: the paper's Random or K-Center baseline at a budget of
 * {@code ratio} of the images, over groups of at most {@code groupImages} images.
 *
 * @param method {@code random} or {@code kcenter}
 * @param ratio the share of images kept, in (0, 1]
 * @param seed seeds the random sample and K-Center's first centre, per group
 * @param featureHeight K-Center measures distances between images scaled and centre-cropped to this size
 * @param featureWidth see {@code featureHeight}
 * @param featureChannels 3, or 1 when the ingest channel mode is gray
 * @param groupImages the largest group one task selects from; K-Center's work per image grows with it
 */
public record SelectionSettings(String method, double ratio, long seed, int featureHeight, int featureWidth,
        int featureChannels, int groupImages) implements Serializable {

    public static final List<String> METHODS = List.of("kcenter", "random");

    public SelectionSettings {
        if (!METHODS.contains(method)) {
            throw new IllegalArgumentException("selection method '" + method + "' is unknown: use kcenter or random");
        }
        if (!(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException("selection ratio " + ratio + " is invalid: use a value in (0, 1], "
                    + "the share of images kept, for example 0.3");
        }
        long values = (long) featureHeight * featureWidth * featureChannels;
        if (values > Greedy.MAX_FEATURE_VALUES) {
            throw new IllegalArgumentException("feature size " + featureHeight + "x" + featureWidth + "x"
                    + featureChannels + " has " + values + " values per image, more than the " + Greedy.MAX_FEATURE_VALUES
                    + " K-Center measures exactly; pass a smaller --feature-size, for example 64x64");
        }
        if (groupImages < 2) {
            throw new IllegalArgumentException("selection.group-images=" + groupImages + " is invalid: use at least 2 "
                    + "(10000 keeps a group's features near 30 MB at 32x32x3)");
        }
    }

    public int featureValues() {
        return featureHeight * featureWidth * featureChannels;
    }

    public String featureLabel() {
        return featureHeight + "x" + featureWidth + "x" + featureChannels;
    }
}
