package dev.mmps.nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.TestImages;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.ImageCodec;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Image arrays in and out of the codec give what the float-array codec gives, in either channel order. */
class Nd4jImagesTest {

    private final ImageShape shape = new ImageShape(24, 32, 3);
    private final float[] hwc = TestImages.natural(shape, 3);

    @Test
    void anArrayCompressesToTheFactorsOfItsFloatArray() {
        ImageCodec codec = new MmpsCodec(CompressionSpec.defaults(), LowRankFactorizers.create("auto"));
        ImageCodec.Encoding expected = codec.encode(hwc, shape);
        for (Nd4jImages.Channels channels : Nd4jImages.Channels.values()) {
            INDArray image = Nd4jImages.fromHwc(hwc, shape, channels);
            assertEquals(shape, Nd4jImages.shape(image, channels));
            assertArrayEquals(hwc, Nd4jImages.toHwc(image, channels), 0f, channels + " round trip");
            ImageCodec.Encoding encoded = Nd4jImages.encode(codec, image, channels);
            assertEquals(expected.stats().psnrDb(), encoded.stats().psnrDb(), 0.0, channels.toString());
            float[] rebuilt = expected.factors().reconstruct();
            INDArray back = Nd4jImages.rebuild(encoded.factors(), channels);
            assertArrayEquals(rebuilt, Nd4jImages.toHwc(back, channels), 0f, channels + " rebuilt");
        }
        // Channels first is C x H x W: the value of channel c at (y, x).
        INDArray chw = Nd4jImages.fromHwc(hwc, shape, Nd4jImages.Channels.FIRST);
        assertEquals(hwc[(5 * shape.width() + 7) * 3 + 2], chw.getFloat(2, 5, 7), 0f);
    }

    @Test
    void anArrayOfAnotherRankIsRefusedNamingItsShape() {
        INDArray batch = Nd4j.zeros(2, 3, 8, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Nd4jImages.toHwc(batch, Nd4jImages.Channels.FIRST));
        assertTrue(e.getMessage().contains("[2, 3, 8, 8]"), e.getMessage());
    }
}
