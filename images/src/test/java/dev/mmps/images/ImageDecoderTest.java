package dev.mmps.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Real ImageIO decoding of real and odd files: what decodes, and what fails at which step and why. */
class ImageDecoderTest {

    private static final Path CIFAR_CAT = Path.of("..", "samples", "cifar10", "cat", "0000.jpg");
    private static final Preprocess AS_IS = new Preprocess(0, 0, ChannelMode.AUTO, 100_000_000L);

    @Test
    void aJpegBecomesHwcFloatsOnTheUnitScale() throws Exception {
        DecodedImage image = AS_IS.apply(Files.readAllBytes(CIFAR_CAT));
        assertEquals(32, image.shape().height());
        assertEquals(32, image.shape().width());
        assertEquals(3, image.shape().channels());
        for (float v : image.pixels()) {
            assertTrue(v >= 0 && v <= 1, "pixel " + v);
        }
    }

    @Test
    void resizingScalesTheShorterSideAndCropsTheCentre() throws Exception {
        DecodedImage image = new Preprocess(16, 24, ChannelMode.GRAY, 100_000_000L)
                .apply(Files.readAllBytes(CIFAR_CAT));
        assertEquals(16, image.shape().height());
        assertEquals(24, image.shape().width());
        assertEquals(1, image.shape().channels());
    }

    @Test
    void aCmykJpegBecomesRgb() throws Exception {
        DecodedImage image = AS_IS.apply(HostileImages.cmykJpeg(32, 32));
        assertEquals(3, image.shape().channels());
    }

    @Test
    void whatCannotBeDecodedSaysWhyAndAtWhichStep() {
        assertFailure(new byte[0], ImageFailure.Step.READ, "empty");
        assertFailure("a text file".getBytes(StandardCharsets.US_ASCII), ImageFailure.Step.DECODE,
                "not a recognised image format");
        assertFailure(bytes(() -> HostileImages.pngHeader(100_000, 100_000, 8, 2)), ImageFailure.Step.DECODE,
                "raise ingest.max-pixels");
        // Under the pixel limit, but 8 bytes a pixel: more than a quarter of the tests' 2 GB heap.
        assertFailure(bytes(() -> HostileImages.pngHeader(9000, 9000, 16, 6)), ImageFailure.Step.DECODE,
                "more than a quarter of the");
    }

    private static void assertFailure(byte[] file, ImageFailure.Step step, String reason) {
        ImageFailure failure = assertThrows(ImageFailure.class, () -> AS_IS.apply(file));
        assertEquals(step, failure.step(), failure.getMessage());
        assertTrue(failure.getMessage().contains(reason), failure.getMessage());
    }

    private interface Maker {
        byte[] make() throws Exception;
    }

    private static byte[] bytes(Maker maker) {
        try {
            return maker.make();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
