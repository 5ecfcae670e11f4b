package dev.mmps.spark.compress;

import dev.mmps.settings.ValidationException;
import dev.mmps.spark.config.JobConfig;
import dev.mmps.spark.ingest.InputScan;
import dev.mmps.table.TableManifest;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.LayoutSearch;
import dev.mmps.tensor.codec.RankProfile;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a compress run will compress its images, decided on the driver from the sample before any task
 * runs: the layout (chosen by measuring candidates on the sample when it is automatic, see
 * {@link LayoutSearch}), the calibrated rank profile (or the one the table of an incremental run was
 * made with), checked against what the codec can reach.
 *
 * @param settings what every task needs
 * @param profile the rank profile the rows are planned with, or null when the run does not calibrate
 * @param search the layout search that chose the rows' layout (this run's, or the one the table of an
 *     incremental run records), or null when the layout was forced or not searched
 */
record CompressionPlan(StageSettings settings, RankProfile profile, TableManifest.LayoutSearchEntry search) {

    private static final Logger LOG = LoggerFactory.getLogger(CompressionPlan.class);

    /**
     * @param table the manifest of the table an incremental run adds to, or null: its rank profile and layout
     *     are kept
     * @throws ValidationException if the images differ in size without {@code --size}, or the ratio is out of
     *     the codec's reach for their shape
     */
    static CompressionPlan of(JobConfig config, InputScan scan, TableManifest table) {
        long t0 = System.nanoTime();
        List<InputScan.Sample> sample = scan.sample(config.compression().calibrationImages());
        LOG.info("Decoded a sample of {} image(s) in {} s", sample.size(), seconds(t0));
        ImageShape expectedSize = config.ingest().preprocess().resizes() ? null : scan.commonSize(sample);
        JobConfig.CompressionSettings compression = config.compression();
        CompressionSpec spec = compression.spec();
        RankProfile kept = table == null || table.compression().rankProfile() == null ? null
                : table.compression().rankProfile().profile();
        if (table != null && compression.calibrates() && kept == null) {
            LOG.warn("The table's manifest does not keep its rank profile (an older mmps wrote it): calibrating "
                    + "again, so new rows may be planned a little differently from the old ones");
        }
        RankProfile profile = kept;
        TableManifest.LayoutSearchEntry search = table == null ? null : table.compression().layoutSearch();
        ImageShape shape = sample.isEmpty() ? null : InputScan.mostCommonShape(sample);
        if (profile == null && compression.calibrates() && shape != null) {
            List<float[]> pixels = sample.stream().filter(s -> s.image().shape().equals(shape))
                    .map(s -> s.image().pixels()).toList();
            double ratio = ((Truncation.TargetRatio) spec.truncation()).ratio();
            if (compression.searchesLayout()) {
                LayoutSearch.Result result = search(pixels, shape, spec, ratio, compression.route());
                profile = result.profile();
                search = entry(result);
            } else {
                profile = calibrate(pixels, shape, spec, ratio, compression.route());
            }
        }
        if (profile != null) {
            Truncation.TargetRatio target = (Truncation.TargetRatio) spec.truncation();
            spec = new CompressionSpec(profiled(spec.layout(), profile, shape),
                    new Truncation.TargetRatio(target.ratio(), profile), spec.stages());
        } else if (compression.calibrates() && shape == null) {
            LOG.info("No image of the sample could be decoded: the rows are planned with uniform caps");
        }
        checkBaselineReach(compression, spec, sample);
        return new CompressionPlan(new StageSettings(spec, compression.codec(), compression.precision(),
                compression.route(), config.ingest().preprocess(), config.ingest().maxFileBytes(), scan.rootUri(),
                scan.classIndex(), expectedSize), profile, search);
    }

    /**
     * The layout request with the profile's layout for images of the sample's shape (the searched layout, or
     * the table's), so they are laid out as the profile was measured; other shapes as asked.
     */
    private static LayoutRequest profiled(LayoutRequest request, RankProfile profile, ImageShape shape) {
        if (shape == null || request.resolve(shape).spec().equals(profile.layoutSpec())) {
            return request;
        }
        return request.preferring(TensorLayout.parse(profile.layoutSpec(), shape));
    }

    /** The manifest's record of a layout search. */
    private static TableManifest.LayoutSearchEntry entry(LayoutSearch.Result search) {
        return new TableManifest.LayoutSearchEntry(search.layout().spec(), search.images(),
                Math.round(search.seconds() * 1000) / 1000.0, search.scores().stream()
                        .map(s -> new TableManifest.Candidate(s.layout(), s.meanSquaredError(), s.meanPsnrDb(),
                                s.meanRatio()))
                        .toList());
    }

    private static LayoutSearch.Result search(List<float[]> pixels, ImageShape shape, CompressionSpec spec,
            double ratio, String route) {
        List<TensorLayout> candidates = LayoutSearch.candidates(shape);
        LayoutSearch.Result result = reachable(() -> LayoutSearch.choose(pixels, shape, spec.stages(), ratio,
                candidates, () -> LowRankFactorizers.create(route)));
        LOG.info("Chose layout {} of {} candidate(s) on {} sample image(s) of {} in {} s: {}", result.layout().spec(),
                result.scores().size(), result.images(), shape, String.format(Locale.ROOT, "%.2f", result.seconds()),
                result.scores().stream().map(c -> String.format(Locale.ROOT, "%s %.2f dB", c.layout(), c.meanPsnrDb()))
                        .collect(java.util.stream.Collectors.joining(", ")));
        return result;
    }

    /** The calibrated profile of the requested layout for the sample's most common shape. */
    private static RankProfile calibrate(List<float[]> pixels, ImageShape shape, CompressionSpec spec, double ratio,
            String route) {
        TensorLayout layout = spec.layout().resolve(shape);
        // Fails with a clear message if the ratio is out of this shape's reach, before any work.
        reachable(() -> spec.truncation().policies(layout, spec.stages()));
        long t = System.nanoTime();
        // One calibration per image, in parallel, merged in sample order: the sums, and so the
        // profile, do not depend on how many threads ran.
        List<RankProfile.Calibration> parts = pixels.parallelStream()
                .map(image -> calibrate(image, layout, spec.stages(), ratio, route))
                .toList();
        RankProfile.Calibration all = new RankProfile.Calibration(layout, spec.stages(), ratio);
        for (RankProfile.Calibration part : parts) {
            all.merge(part);
        }
        RankProfile profile = all.profile();
        LOG.info("Calibrated the rank profile on {} image(s) of {} in {} s: {}", pixels.size(), shape, seconds(t),
                profile);
        return profile;
    }

    /** The calibration sums of one sample image, on a factoriser of its own. */
    private static RankProfile.Calibration calibrate(float[] image, TensorLayout layout, int stages, double ratio,
            String route) {
        RankProfile.Calibration calibration = new RankProfile.Calibration(layout, stages, ratio);
        LowRankFactorizer factorizer = LowRankFactorizers.create(route);
        try {
            calibration.add(image, new dev.mmps.tensor.tt.TtSvd(factorizer));
            return calibration;
        } finally {
            LowRankFactorizers.close(factorizer);
        }
    }

    /**
     * A baseline codec's budget depends on the shape alone: compressing one sample image on the driver
     * fails with a clear message, before any work, when the ratio is out of its reach.
     */
    private static void checkBaselineReach(JobConfig.CompressionSettings compression, CompressionSpec spec,
            List<InputScan.Sample> sample) {
        if (compression.codec().tensorTrain() || sample.isEmpty()) {
            return;
        }
        LowRankFactorizer factorizer = LowRankFactorizers.create(compression.route());
        try {
            var image = sample.get(0).image();
            reachable(() -> compression.codec().create(spec, factorizer).encode(image.pixels(), image.shape()));
        } finally {
            LowRankFactorizers.close(factorizer);
        }
    }

    /** Runs a step whose {@code IllegalArgumentException} means the user's ratio is out of reach for the images. */
    private static <T> T reachable(java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (IllegalArgumentException e) {
            throw new ValidationException(e.getMessage(), e);
        }
    }

    private static String seconds(long since) {
        return String.format(Locale.ROOT, "%.1f", (System.nanoTime() - since) / 1e9);
    }
}
