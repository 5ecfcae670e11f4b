package dev.mmps.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A colour image as ImageIO hands it over (interleaved BGR bytes) gives the pixels that the same colours
 * packed as Java2D integers give, resized or not: the bytes are read straight from the raster, and must
 * mean what Java2D's colour model says they mean.
 */
class ColourRasterTest {

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"0, 0", "24, 20", "16, 16"})
    void bgrBytesAreTheColoursJava2dReads(int height, int width) throws Exception {
        BufferedImage bgr = new BufferedImage(37, 29, BufferedImage.TYPE_3BYTE_BGR);
        new Random(11).nextBytes(((DataBufferByte) bgr.getRaster().getDataBuffer()).getData());
        BufferedImage packed = new BufferedImage(37, 29, BufferedImage.TYPE_INT_RGB);
        packed.setRGB(0, 0, 37, 29, bgr.getRGB(0, 0, 37, 29, null, 0, 37), 0, 37);

        Preprocess preprocess = new Preprocess(height, width, ChannelMode.RGB, ImageDecoder.DEFAULT_MAX_PIXELS);
        DecodedImage fromBytes = preprocess.apply(bgr);
        DecodedImage fromPacked = preprocess.apply(packed);
        assertEquals(fromPacked.shape(), fromBytes.shape());
        assertEquals(height == 0 ? 29 : height, fromBytes.shape().height());
        assertArrayEquals(fromPacked.pixels(), fromBytes.pixels());
    }
}
