package dev.mmps.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.codec.CodecChoice;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.ImageFactors;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.codec.MmpsFactors;
import dev.mmps.tensor.codec.Truncation;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.metrics.Quality;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FactorFormatTest {

    /**
     * Relative change of a factor's values through a precision, worst element against the
     * factor's (or slice's) largest magnitude: half a step of the format.
     */
    private static final double FP16_STEP = 0x1p-11;
    private static final double INT8_STEP = 0.5 / 127;

    private static float[] noise(ImageShape shape, long seed) {
        float[] pixels = new float[shape.values()];
        Random random = new Random(seed);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextFloat();
        }
        return pixels;
    }

    @Test
    void coresRoundTripThroughLittleEndianBlobs() {
        ImageShape shape = new ImageShape(17, 23, 3);
        MmpsFactors factors = new MmpsCodec(CompressionSpec.defaults(), LowRankFactorizers.create("auto"))
                .compress(noise(shape, 2), shape).factors();
        MmpsFactors back = FactorFormat.decode(shape, factors.layout().spec(), FactorFormat.encode(factors));
        assertEquals(factors.stages(), back.stages());
        assertArrayEquals(factors.reconstruct(), back.reconstruct());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mmps", "mps", "svd", "cp", "tucker"})
    void everyCodecRoundTripsExactlyAtFloat32AndWithinItsStepBelow(String codec) {
        ImageShape shape = new ImageShape(20, 24, 3);
        float[] pixels = noise(shape, 4);
        ImageFactors factors = new CodecChoice(codec, 1, 0, 30, 1e-5, 1)
                .create(new CompressionSpec(LayoutRequest.auto(), new Truncation.TargetRatio(0.4), codec.equals("mps") ? 1 : 2),
                        LowRankFactorizers.create("auto"))
                .encode(pixels, shape).factors();
        var layout = FactorFormat.layoutOf(factors);
        ImageFactors exact = FactorFormat.decode(codec, "float32", layout, FactorFormat.encode(factors));
        assertArrayEquals(factors.reconstruct(), exact.reconstruct(), codec);
        assertEquals(factors.parameters(), exact.parameters());
        for (Precision p : new Precision[] {Precision.FP16, Precision.INT8, Precision.INT8_CORE}) {
            ImageFactors lossy = FactorFormat.decode(codec, p.dtype(), layout, FactorFormat.encode(factors, p));
            float[] rebuilt = lossy.reconstruct();
            double change = Math.sqrt(Quality.squaredError(factors.reconstruct(), rebuilt, rebuilt.length)
                    / Quality.squaredNorm(factors.reconstruct(), rebuilt.length));
            // Each factor moves by at most half a step relative to its largest value; the image, a
            // product of a few factors, moves by a small multiple of that.
            double bound = 10 * (p == Precision.FP16 ? FP16_STEP : INT8_STEP) * factorCount(factors);
            assertTrue(change > 0 && change < bound, codec + " " + p.label() + ": " + change + " outside (0, "
                    + bound + ")");
        }
    }

    private static int factorCount(ImageFactors f) {
        return FactorFormat.encode(f).stream().mapToInt(s -> s.cores().size()).max().orElse(1);
    }

    @Test
    void blobsAreLittleEndian() {
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f, 0, 0, 0x20, (byte) 0xc0},
                Precision.FP32.encode(new float[] {1.0f, -2.5f}, 1));
        assertArrayEquals(new byte[] {0, 0x3c, 0, (byte) 0xc1}, Precision.FP16.encode(new float[] {1.0f, -2.5f}, 1));
        float[] values = {1.27f, -0.635f, 0.5f, 0.25f};
        byte[] int8 = Precision.INT8.encode(values, 2);
        assertEquals(4 + 2 * 4 + 4, int8.length);
        // Two slices of two values, each within half a step of its slice's largest; 1.27 is the larger one.
        assertArrayEquals(values, Precision.decode("int8", int8), (float) (INT8_STEP * values[0]));
        assertThrows(IllegalArgumentException.class, () -> Precision.decode("float32", new byte[5]));
        assertThrows(IllegalArgumentException.class, () -> Precision.decode("int8", new byte[] {9, 0, 0, 0, 1}));
        var unknown = assertThrows(IllegalArgumentException.class, () -> Precision.decode("bfloat16", new byte[2]));
        assertTrue(unknown.getMessage().contains("newer mmps"), unknown.getMessage());
    }

    @Test
    void halfPrecisionRoundsToNearestEvenAndKeepsTheSpecialValues() {
        for (float v : new float[] {0f, -0f, 1f, 65504f, 6.1035156e-5f, 5.9604645e-8f, Float.POSITIVE_INFINITY}) {
            assertEquals(v, Precision.fromHalf(Precision.toHalf(v)), v + "");
        }
        assertTrue(Float.isNaN(Precision.fromHalf(Precision.toHalf(Float.NaN))));
        assertEquals(Float.POSITIVE_INFINITY, Precision.fromHalf(Precision.toHalf(70000f)));
        // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties go to the even mantissa, 1.
        assertEquals(1f, Precision.fromHalf(Precision.toHalf(1f + 0x1p-11f)));
        assertEquals(1f + 0x1p-9f, Precision.fromHalf(Precision.toHalf(1f + 0x1p-10f + 0x1p-11f)));
        var bad = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp8"));
        assertTrue(bad.getMessage().contains("fp16"), bad.getMessage());
    }

    @Test
    void inconsistentRowsAreRefusedWithWhatIsWrong() {
        ImageShape shape = new ImageShape(8, 8, 3);
        var layout = FactorFormat.plainLayout(shape);
        var stages = java.util.List.of(new FactorFormat.StoredStage(new int[] {2},
                java.util.List.of(new byte[8 * 2 * 4], new byte[8 * 2 * 4], new byte[3 * 2 * 4 + 4])));
        var e = assertThrows(IllegalArgumentException.class, () -> FactorFormat.decode("cp", "float32", layout, stages));
        assertTrue(e.getMessage().contains("ranks and dimensions make 6"), e.getMessage());
        var codec = assertThrows(IllegalArgumentException.class,
                () -> FactorFormat.decode("jpeg", "float32", layout, stages));
        assertTrue(codec.getMessage().contains("unknown to this reader"), codec.getMessage());
    }
}
