package dev.mmps.spark.compress;

import dev.mmps.spark.ingest.DecodedImage;
import dev.mmps.spark.ingest.ImageFailure;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.tensor.codec.CompressedImage;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.linalg.LowRankFactorizer;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;

/**
 * One partition's worker: a codec (with its native scratch) and the step from a decoded image to
 * an output row. Every failure becomes an error row; nothing an image does fails the task.
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
    private final LongAccumulator done;

    ImageCompressor(StageSettings settings, LongAccumulator done) {
        this.settings = settings;
        this.factorizer = LowRankFactorizers.create(settings.route());
        this.codec = new MmpsCodec(settings.spec(), factorizer);
        this.done = done;
    }

    Row compress(FactorRows.Origin origin, Decoder decoder) {
        try {
            DecodedImage image = decoder.decode();
            checkSize(image);
            CompressedImage compressed = compress(image);
            return FactorRows.factorRow(origin, image.shape(), compressed);
        } catch (ImageFailure failure) {
            return FactorRows.errorRow(origin, failure);
        } catch (RuntimeException unexpected) {
            return FactorRows.errorRow(origin, new ImageFailure(ImageFailure.Step.DECODE,
                    "unexpected " + unexpected.getClass().getSimpleName() + ": " + unexpected.getMessage(), unexpected));
        } finally {
            done.add(1);
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
    public void close() throws Exception {
        if (factorizer instanceof AutoCloseable c) {
            c.close();
        }
    }
}
