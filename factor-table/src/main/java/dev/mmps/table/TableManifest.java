package dev.mmps.table;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mmps.tensor.codec.RankProfile;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of a compress output: what was asked, what happened, the totals. This record is
 * the format's one definition in Java; {@code docs/FORMAT.md} describes the same keys for other
 * languages. Read and written through {@link ManifestFiles}, which checks the schema version and that
 * every key is there.
 *
 * <p>Every key is required unless its component is marked {@code @JsonInclude(NON_NULL)}: those are
 * left out when they do not apply ({@code incremental} after a full run, {@code layout_search} when the
 * layout was forced). A required key may still hold null where FORMAT.md says so ({@code rank_profile}
 * when the run did not calibrate, the means and percentiles of a table without images).
 *
 * @param schemaVersion the factor table's schema version ({@link FactorFormat#SCHEMA_VERSION})
 * @param mmpsVersion the version of mmps that wrote the table
 * @param created when the manifest was written, ISO-8601 UTC
 * @param config every setting the run used, by its {@code conf/reference.conf} key, in the order of
 *     that file
 * @param delta the table versions of an output written as Delta tables; absent for Parquet outputs
 */
public record TableManifest(int schemaVersion, String mmpsVersion, String created, Map<String, Object> config,
        Input input, Compression compression, Counts counts,
        @JsonInclude(JsonInclude.Include.NON_NULL) Incremental incremental, Totals totals, Stats stats,
        List<ErrorExample> errorExamples, Timing timing, @JsonInclude(JsonInclude.Include.NON_NULL) Delta delta) {

    /** The value of {@code input.kind} for IDX files. */
    public static final String KIND_IDX = "idx";
    /** The value of {@code input.kind} for a class-folder tree. */
    public static final String KIND_IMAGE_FOLDERS = "image-folders";

    public TableManifest {
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
        errorExamples = List.copyOf(errorExamples);
    }

    /**
     * Where the images came from.
     *
     * @param listingDigest SHA-256 of the walk of the input folder this table reflects (every file's URI, size
     *     and modification time, and what could not be read as a file): an incremental run that walks to the
     *     same digest has nothing to do. Absent for IDX input, the pipeline stage's tables and tables written
     *     before the key existed.
     */
    public record Input(String root, String kind, List<String> classes,
            @JsonInclude(JsonInclude.Include.NON_NULL) String listingDigest) {
        public Input {
            classes = List.copyOf(classes);
        }

        public boolean idx() {
            return KIND_IDX.equals(kind);
        }
    }

    /**
     * How the images were compressed.
     *
     * @param layoutRequest what was asked for, e.g. {@code auto} or an explicit spec
     * @param rankProfile the calibrated profile new rows of an incremental run are planned with; null when
     *     the run did not calibrate
     * @param layoutSearch the candidates tried when the layout was chosen by measuring the sample; absent
     *     when it was forced or not searched
     */
    public record Compression(String codec, String precision, String dtype, String route, int stages,
            String layoutRequest, RankProfileEntry rankProfile,
            @JsonInclude(JsonInclude.Include.NON_NULL) LayoutSearchEntry layoutSearch) {}

    /**
     * A rank profile as stored: the layout it was measured for, the mean kept rank per stage and bond,
     * and (tables of schema version 2) the mean energy spectra per stage, bond and singular direction.
     */
    public record RankProfileEntry(String layout, double[][] meanRanks,
            @JsonInclude(JsonInclude.Include.NON_NULL) double[][][] energy) {

        public static RankProfileEntry of(RankProfile profile) {
            return profile == null ? null : new RankProfileEntry(profile.layoutSpec(), profile.weights(),
                    profile.energy());
        }

        /** The profile, or null when only the mean ranks were kept (schema version 1). */
        public RankProfile profile() {
            return energy == null ? null : new RankProfile(layout, meanRanks, energy);
        }
    }

    /**
     * The layout search of the run: the layout it chose, how many sample images it scored the
     * candidates on and in how long, and each candidate's figures.
     */
    public record LayoutSearchEntry(String chosen, int images, double seconds, List<Candidate> candidates) {
        public LayoutSearchEntry {
            candidates = List.copyOf(candidates);
        }
    }

    /** One candidate layout's figures on the sample, rebuilt with its own calibrated profile. */
    public record Candidate(String layout, double meanSquaredError, double meanPsnrDb, double meanRatio) {}

    /** Inputs, factor rows and error rows: always {@code inputs = images + failed}. */
    public record Counts(long inputs, long images, long failed) {}

    /** What an incremental run did; absent after a full run. */
    public record Incremental(String previousRun, long skipped, long compressed, long replaced, long removed,
            String removedRows, List<String> removedExamples,
            @JsonInclude(JsonInclude.Include.NON_NULL) Boolean upToDate,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double seconds) {

        public Incremental {
            removedExamples = List.copyOf(removedExamples);
        }

        /** The same figures for a run that found nothing to do, which writes no manifest. */
        public Incremental upToDate(double runSeconds) {
            return new Incremental(previousRun, skipped, compressed, replaced, removed, removedRows, removedExamples,
                    true, runSeconds);
        }

        public boolean isUpToDate() {
            return Boolean.TRUE.equals(upToDate);
        }
    }

    /** Bytes and stored values. */
    public record Totals(long inputBytes, long storedBytes, double storedBytesPerImage, long errorTableBytes,
            long storedValues) {}

    /** Per-image statistics over the factor rows; the means and percentiles are null without images. */
    public record Stats(Double meanRatio, Double meanPsnrDb, long exactImages, Percentiles psnrDbPercentiles,
            Percentiles ratioPercentiles) {}

    /** The 5th, 50th and 95th percentiles. */
    public record Percentiles(double p05, double p50, double p95) {}

    /** One error row, as an example. */
    public record ErrorExample(String id, String step, String reason) {}

    /** How long the run took and how fast it went. */
    public record Timing(double seconds, double imagesPerSecond) {}

    /**
     * The versions of an output's two Delta tables that belong together. The manifest travels in the
     * factor table's commit; the error table is committed just before it.
     *
     * @param version the factor table's version this manifest describes; null inside the commit itself
     *     (it is not known before the commit) and filled in by the readers that replay the log
     * @param errorsVersion the error table's version written by the same run
     */
    public record Delta(Long version, long errorsVersion) {}

    /** The same manifest with an incremental section. */
    public TableManifest withIncremental(Incremental section) {
        return new TableManifest(schemaVersion, mmpsVersion, created, config, input, compression, counts, section,
                totals, stats, errorExamples, timing, delta);
    }

    /** The same manifest with Delta versions. */
    public TableManifest withDelta(Delta versions) {
        return new TableManifest(schemaVersion, mmpsVersion, created, config, input, compression, counts, incremental,
                totals, stats, errorExamples, timing, versions);
    }

    /** The same manifest with other totals. */
    public TableManifest withTotals(Totals sums) {
        return new TableManifest(schemaVersion, mmpsVersion, created, config, input, compression, counts, incremental,
                sums, stats, errorExamples, timing, delta);
    }

    /** The codec every row was compressed with. */
    public String codec() {
        return compression.codec();
    }

    /** The output folder the run was given, as the user wrote it. */
    public String output() {
        return String.valueOf(config.get("output"));
    }
}
