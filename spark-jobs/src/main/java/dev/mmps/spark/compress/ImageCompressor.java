package dev.mmps.spark.compress;

import dev.mmps.images.DecodedImage;
import dev.mmps.images.ImageFailure;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.table.FactorFormat;
import dev.mmps.table.Precision;
import dev.mmps.tensor.codec.ImageCodec;
import dev.mmps.tensor.codec.ImageFactors;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.metrics.ImageStats;
import dev.mmps.tensor.metrics.Quality;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * One partition's worker: a codec (with its native scratch) and the step from a decoded image to
 * a factor row. A failure caused by the input (an {@link ImageFailure} of reading, decoding or
 * preprocessing, or a shape the codec cannot compress to the budget) becomes an error row in the
 * errors accumulator; anything else is a defect of mmps and fails the task, so Spark retries it and
 * then fails the job with the stack trace instead of committing a table of error rows. Every input,
 * compressed or not, is counted in the tally.
 */
final class ImageCompressor implements AutoCloseable {

    /** Produces the decoded image of one input, or says why it cannot. */
    @FunctionalInterface
    interface Decoder {
        DecodedImage decode() throws ImageFailure;
    }

    private final StageSettings settings;
    private final LowRankFactorizer factorizer;
    private final ImageCodec codec;
    private final Accumulators accumulators;

    ImageCompressor(StageSettings settings, Accumulators accumulators) {
        this.settings = settings;
        this.factorizer = LowRankFactorizers.create(settings.route());
        this.codec = settings.codec().create(settings.spec(), factorizer);
        this.accumulators = accumulators;
    }

    /** The factor row of one input, or null when it failed (its error row is recorded). */
    Row compress(FactorRows.Origin origin, Decoder decoder) {
        try {
            DecodedImage image = decoder.decode();
            checkSize(image);
            ImageCodec.Encoding encoded = compress(image);
            Precision precision = settings.precision();
            List<FactorFormat.StoredStage> stored = FactorFormat.encode(encoded.factors(), precision);
            ImageStats stats = precision == Precision.FP32 ? encoded.stats() : remeasure(image, encoded, stored);
            accumulators.tally().add(Tally.Image.of(origin.bytes(), stats));
            return FactorRows.factorRow(origin, image.shape(), codec.name(), precision, encoded.factors(), stored, stats);
        } catch (ImageFailure failure) {
            accumulators.fail(origin, failure);
            return null;
        } finally {
            accumulators.done().add(1);
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
        double squaredError = Quality.squaredError(pixels, back.reconstruct(), pixels.length);
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
    }
}
