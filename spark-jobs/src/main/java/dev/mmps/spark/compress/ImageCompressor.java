package dev.mmps.spark.compress;

import dev.mmps.images.DecodedImage;
import dev.mmps.images.ImageFailure;
import dev.mmps.spark.sink.ErrorParts;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.table.FactorFormat;
import dev.mmps.table.Precision;
import dev.mmps.tensor.codec.ImageCodec;
import dev.mmps.tensor.codec.ImageFactors;
import dev.mmps.tensor.codec.ImageRebuilder;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.metrics.ImageStats;
import dev.mmps.tensor.metrics.Quality;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * One partition's worker: a codec (with its native scratch) and the step from a decoded image to
 * a factor row. A failure caused by the input (an {@link ImageFailure} of reading, decoding or
 * preprocessing, or a shape the codec cannot compress to the budget) is an {@link Outcome.Failed};
 * anything else is a defect of mmps and is thrown, so Spark retries the task and then fails the job
 * with the stack trace instead of committing a table of error rows. The compress job counts every
 * outcome in its accumulators ({@link #compress(FactorRows.Origin, Decoder, Accumulators, ErrorParts.Writer)}); the
 * pipeline stage turns it into a column ({@link #encode}).
 */
public final class ImageCompressor implements AutoCloseable {

    /** Produces the decoded image of one input, or says why it cannot. */
    @FunctionalInterface
    public interface Decoder {
        DecodedImage decode() throws ImageFailure;
    }

    /** What became of one input. */
    public sealed interface Outcome {

        /** Its factor row and the statistics of the image a reader rebuilds from it. */
        record Compressed(Row row, ImageStats stats) implements Outcome {}

        /** Why its input could not be compressed. */
        record Failed(ImageFailure failure) implements Outcome {}
    }

    private final StageSettings settings;
    private final LowRankFactorizer factorizer;
    private final ImageCodec codec;
    /** Rebuilds rows stored below float32 to measure what readers will see. */
    private final ImageRebuilder rebuilder = new ImageRebuilder();

    public ImageCompressor(StageSettings settings) {
        this.settings = settings;
        this.factorizer = LowRankFactorizers.create(settings.route());
        this.codec = settings.codec().create(settings.spec(), factorizer);
    }

    /**
     * The factor row of one input, or null when it failed (its error row goes to {@code errors}); counted
     * either way.
     */
    Row compress(FactorRows.Origin origin, Decoder decoder, Accumulators accumulators, ErrorParts.Writer errors) {
        try {
            Outcome outcome = encode(origin, decoder);
            if (outcome instanceof Outcome.Compressed done) {
                accumulators.tally().add(Tally.Image.of(origin.bytes(), done.stats()));
                return done.row();
            }
            accumulators.fail(origin, ((Outcome.Failed) outcome).failure(), errors);
            return null;
        } finally {
            accumulators.done().add(1);
        }
    }

    /** The factor row of one input, or the failure its input caused. */
    public Outcome encode(FactorRows.Origin origin, Decoder decoder) {
        try {
            DecodedImage image = decoder.decode();
            checkSize(image);
            ImageCodec.Encoding encoded = compress(image);
            Precision precision = settings.precision();
            List<FactorFormat.StoredStage> stored = FactorFormat.encode(encoded.factors(), precision);
            ImageStats stats = precision == Precision.FP32 ? encoded.stats() : remeasure(image, encoded, stored);
            return new Outcome.Compressed(FactorRows.factorRow(origin, image.shape(), codec.name(), precision,
                    encoded.factors(), stored, stats), stats);
        } catch (ImageFailure failure) {
            return new Outcome.Failed(failure);
        }
    }

    private void checkSize(DecodedImage image) throws ImageFailure {
        var expected = settings.expectedSize();
        if (expected != null && (image.shape().height() != expected.height()
                || image.shape().width() != expected.width())) {
            throw new ImageFailure(ImageFailure.Step.PREPROCESS, "image is " + image.shape().height() + "x"
                    + image.shape().width() + " but the other images are " + expected.height() + "x" + expected.width()
                    + "; pass --size HxW to resize them all to one size");
        }
    }

    /** The statistics of the image a reader rebuilds from the stored (lower precision) factors. */
    private ImageStats remeasure(DecodedImage image, ImageCodec.Encoding encoded, List<FactorFormat.StoredStage> stored) {
        ImageFactors back = FactorFormat.decode(codec.name(), settings.precision().dtype(),
                FactorFormat.layoutOf(encoded.factors()), stored);
        float[] pixels = image.pixels();
        double squaredError = Quality.squaredError(pixels, rebuilder.reconstruct(back), pixels.length);
        return encoded.stats().remeasured(Quality.relativeError(squaredError, Quality.squaredNorm(pixels, pixels.length)),
                Quality.psnrDb(squaredError, pixels.length));
    }

    /** The codec refuses a shape it cannot compress to the budget with {@link IllegalArgumentException}. */
    private ImageCodec.Encoding compress(DecodedImage image) throws ImageFailure {
        try {
            return codec.encode(image.pixels(), image.shape());
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ImageFailure(ImageFailure.Step.COMPRESS, e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        LowRankFactorizers.close(factorizer);
        rebuilder.close();
    }
}
