package dev.mmps.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Gray levels given as bytes (IDX images) are preprocessed exactly as a PNG file of the same pixels:
 * the same channel modes and the same resizing, to the same values.
 */
class GrayLevelsTest {

    @ParameterizedTest(name = "{0}x{1} {2}")
    @CsvSource({"0, 0, AUTO", "0, 0, GRAY", "0, 0, RGB", "32, 32, AUTO", "32, 32, RGB", "20, 24, GRAY"})
    void grayBytesGoThroughTheStepsOfADecodedFile(int height, int width, ChannelMode channels) throws Exception {
        byte[] levels = new byte[28 * 28];
        new Random(3).nextBytes(levels);
        BufferedImage gray = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        System.arraycopy(levels, 0, ((DataBufferByte) gray.getRaster().getDataBuffer()).getData(), 0, levels.length);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(gray, "png", png);

        Preprocess preprocess = new Preprocess(height, width, channels, ImageDecoder.DEFAULT_MAX_PIXELS);
        DecodedImage fromFile = preprocess.apply(png.toByteArray());
        DecodedImage fromBytes = preprocess.applyGray(28, 28, levels);
        assertEquals(fromFile.shape(), fromBytes.shape());
        assertEquals(height == 0 ? 28 : height, fromBytes.shape().height());
        assertEquals(channels == ChannelMode.RGB ? 3 : 1, fromBytes.shape().channels());
        assertArrayEquals(fromFile.pixels(), fromBytes.pixels());
    }
}
