package dev.mmps.table;

import java.util.List;

/**
 * {@code manifest.json} of an {@code mmps select} output: the subset's settings, counts and timing
 * ({@code docs/FORMAT.md}, "Subsets"). Read and written through {@link ManifestFiles}.
 *
 * @param command always {@code select}
 */
public record SubsetManifest(int schemaVersion, String mmpsVersion, String created, String command, Input input,
        Selection selection, Counts counts, List<TableManifest.ErrorExample> errorExamples, Timing timing) {

    /** Bumped on any change a reader of subsets must know about. */
    public static final int SCHEMA_VERSION = 1;
    public static final String COMMAND = "select";

    public SubsetManifest {
        errorExamples = List.copyOf(errorExamples);
    }

    /** The image folder the subset was picked from. */
    public record Input(String root, List<String> classes) {
        public Input {
            classes = List.copyOf(classes);
        }
    }

    /**
     * How the subset was picked.
     *
     * @param features what K-Center measured distances on, e.g. {@code pixels 32x32x3}; null for Random
     * @param coveringRadius K-Center: the largest distance from an image to the nearest kept image of its
     *     group; null for Random
     */
    public record Selection(String method, double ratio, long seed, String features, int groupImages, int groups,
            long largestGroup, Double coveringRadius) {}

    /** Inputs, readable images, error rows and kept images: {@code selected = round(ratio x images)}. */
    public record Counts(long inputs, long images, long failed, long selected) {}

    /** The whole run and the selecting alone. */
    public record Timing(double seconds, double selectSeconds, double imagesPerSecond) {}
}
