package dev.mmps.spark.compress;

import dev.mmps.images.DecodedImage;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
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
public record CompressionPlan(StageSettings settings, RankProfile profile, TableManifest.LayoutSearchEntry search) {

    private static final Logger LOG = LoggerFactory.getLogger(CompressionPlan.class);

    /**
     * What a sample decides for a compression request.
     *
     * @param spec the spec the rows are planned with
     * @param profile the calibrated (or kept) rank profile, or null when the request does not calibrate
     * @param search the layout search that chose the layout (or the kept one), or null
     * @param shape the sample's most common shape, the one the profile was measured on; null for an empty sample
     */
    public record Sampled(CompressionSpec spec, RankProfile profile, TableManifest.LayoutSearchEntry search,
            ImageShape shape) {}

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
        ImageShape expectedSize = config.ingest().preprocess().resizes() ? null : InputScan.commonSize(sample);
        JobConfig.CompressionSettings compression = config.compression();
        RankProfile kept = table == null || table.compression().rankProfile() == null ? null
                : table.compression().rankProfile().profile();
        if (table != null && compression.calibrates() && kept == null) {
            LOG.warn("The table's manifest does not keep its rank profile (an older mmps wrote it): calibrating "
                    + "again, so new rows may be planned a little differently from the old ones");
        }
        Sampled sampled = plan(compression, sample.stream().map(InputScan.Sample::image).toList(), kept, table == null ? null : table.compression().layoutSearch());
        return new CompressionPlan(new StageSettings(sampled.spec(), compression.codec(), compression.precision(),
                compression.route(), config.ingest().preprocess(), config.ingest().maxFileBytes(), scan.rootUri(),
                scan.classIndex(), expectedSize), sampled.profile(), sampled.search());
    }

    /**
     * Plans a request on its sample: searches the layout and calibrates the rank profile when the request asks
     * for it (unless a profile is kept from an earlier run), and checks that the codec reaches the budget.
     *
     * @param sample decoded sample images, in the order they are sampled (a job takes the first files in path
     *     order)
     * @param kept the rank profile to keep, or null to calibrate one when the request calibrates
     * @param keptSearch the layout search that goes with {@code kept}, or null
     * @throws ValidationException if the ratio is out of the codec's reach for the sample's shape
     */
    public static Sampled plan(JobConfig.CompressionSettings compression, List<DecodedImage> sample, RankProfile kept,
            TableManifest.LayoutSearchEntry keptSearch) {
        CompressionSpec spec = compression.spec();
        RankProfile profile = kept;
        TableManifest.LayoutSearchEntry search = keptSearch;
        ImageShape shape = sample.isEmpty() ? null : mostCommonShape(sample);
        if (profile == null && compression.calibrates() && shape != null) {
            List<float[]> pixels = sample.stream().filter(s -> s.shape().equals(shape)).map(DecodedImage::pixels)
                    .toList();
            double ratio = ((Truncation.TargetRatio) spec.truncation()).ratio();
            if (compression.searchesLayout()) {
                LayoutSearch.Result result = search(pixels, shape, spec, ratio, compression.route());
                profile = result.profile();
                search = entry(result);
            } else {
                profile = calibrate(pixels, shape, spec, ratio, compression.route());
            }
        } else if (profile == null && compression.calibrates()) {
            LOG.info("No image of the sample could be decoded: the rows are planned with uniform caps");
        }
        spec = planned(compression, profile, shape);
        checkBaselineReach(compression, spec, sample);
        return new Sampled(spec, profile, search, shape);
    }

    /**
     * The spec of a request planned with a rank profile measured on images of {@code shape}: the profile's ranks,
     * and its layout for images of that shape; the request's own spec without a profile.
     */
    public static CompressionSpec planned(JobConfig.CompressionSettings compression, RankProfile profile,
            ImageShape shape) {
        CompressionSpec spec = compression.spec();
        if (profile == null) {
            return spec;
        }
        Truncation.TargetRatio target = (Truncation.TargetRatio) spec.truncation();
        return new CompressionSpec(profiled(spec.layout(), profile, shape),
                new Truncation.TargetRatio(target.ratio(), profile), spec.stages());
    }

    /** The shape most of the sample images have (the first such in sample order on a tie). */
    static ImageShape mostCommonShape(List<DecodedImage> sample) {
        return sample.stream().collect(Collectors.groupingBy(DecodedImage::shape, LinkedHashMap::new,
                        Collectors.counting()))
                .entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElseThrow();
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
            List<DecodedImage> sample) {
        if (compression.codec().tensorTrain() || sample.isEmpty()) {
            return;
        }
        LowRankFactorizer factorizer = LowRankFactorizers.create(compression.route());
        try {
            DecodedImage image = sample.get(0);
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
