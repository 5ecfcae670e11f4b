package dev.mmps.spark.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.codec.MmpsFactors;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FactorFormatTest {

    @Test
    void coresRoundTripThroughLittleEndianBlobs() {
        ImageShape shape = new ImageShape(17, 23, 3);
        float[] pixels = new float[shape.values()];
        Random random = new Random(2);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextFloat();
        }
        MmpsFactors factors = new MmpsCodec(CompressionSpec.defaults(), LowRankFactorizers.create("auto"))
                .compress(pixels, shape).factors();
        MmpsFactors back = FactorFormat.decode(shape, factors.layout().spec(), FactorFormat.encode(factors));
        assertEquals(factors.stages(), back.stages());
        assertArrayEquals(factors.reconstruct(), back.reconstruct());
    }

    @Test
    void blobsAreLittleEndianFloat32() {
        byte[] blob = FactorFormat.encodeFloats(new float[] {1.0f, -2.5f});
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f, 0, 0, 0x20, (byte) 0xc0}, blob);
        assertThrows(IllegalArgumentException.class, () -> FactorFormat.decodeFloats(new byte[5]));
    }
}
