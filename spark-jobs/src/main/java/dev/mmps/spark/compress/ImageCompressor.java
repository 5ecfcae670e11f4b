package dev.mmps.spark.compress;

import dev.mmps.spark.ingest.DecodedImage;
import dev.mmps.spark.ingest.ImageFailure;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.tensor.codec.CompressedImage;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import org.apache.spark.sql.Row;

/**
 * One partition's worker: a codec (with its native scratch) and the step from a decoded image to
 * a factor row. Every failure becomes an error row in the errors accumulator; nothing an image
 * does fails the task. Every input, compressed or not, is counted in the tally.
 */
final class ImageCompressor implements AutoCloseable {

    /** Produces the decoded image of one input, or says why it cannot. */
    @FunctionalInterface
    interface Decoder {
        DecodedImage decode() throws ImageFailure;
    }

    private final StageSettings settings;
    private final LowRankFactorizer factorizer;
    private final MmpsCodec codec;
    private final Accumulators accumulators;

    ImageCompressor(StageSettings settings, Accumulators accumulators) {
        this.settings = settings;
        this.factorizer = LowRankFactorizers.create(settings.route());
        this.codec = new MmpsCodec(settings.spec(), factorizer);
        this.accumulators = accumulators;
    }

    /** The factor row of one input, or null when it failed (its error row is recorded). */
    Row compress(FactorRows.Origin origin, Decoder decoder) {
        try {
            DecodedImage image = decoder.decode();
            checkSize(image);
            CompressedImage compressed = compress(image);
            accumulators.tally().add(Tally.Image.of(origin.bytes(), compressed.stats()));
            return FactorRows.factorRow(origin, image.shape(), compressed);
        } catch (ImageFailure failure) {
            accumulators.fail(origin, failure);
            return null;
        } catch (RuntimeException unexpected) {
            accumulators.fail(origin, new ImageFailure(ImageFailure.Step.DECODE,
                    "unexpected " + unexpected.getClass().getSimpleName() + ": " + unexpected.getMessage(), unexpected));
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

    private CompressedImage compress(DecodedImage image) throws ImageFailure {
        try {
            return codec.compress(image.pixels(), image.shape());
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ImageFailure(ImageFailure.Step.COMPRESS, e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        LowRankFactorizers.close(factorizer);
    }
}
