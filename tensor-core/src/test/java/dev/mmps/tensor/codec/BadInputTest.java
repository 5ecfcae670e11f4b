package dev.mmps.tensor.codec;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Misuse gets an IllegalArgumentException naming the value, the rule and the fix. */
class BadInputTest {

    private final ImageShape shape = new ImageShape(4, 4, 3);
    private final MmpsCodec codec = new MmpsCodec(CompressionSpec.defaults(), LowRankFactorizers.create("auto"));

    @Test
    void nullEmptyAndMismatchedPixels() {
        assertMessage(() -> codec.compress(null, shape), "pixels are null", "48 values");
        assertMessage(() -> codec.compress(new float[0], shape), "has 0 values", "needs 48");
        assertMessage(() -> codec.compress(new float[47], shape), "has 47 values", "shape 4x4x3");
        assertMessage(() -> codec.compress(new float[48], null), "shape is null", "height, width and channels");
    }

    @Test
    void nonFiniteValuesAreNamedByPosition() {
        float[] pixels = new float[48];
        pixels[(2 * 4 + 1) * 3 + 2] = Float.NaN;
        assertMessage(() -> codec.compress(pixels, shape), "(y=2, x=1, c=2) is NaN", "finite", "replace NaN");
        pixels[(2 * 4 + 1) * 3 + 2] = Float.POSITIVE_INFINITY;
        assertMessage(() -> codec.compress(pixels, shape), "is Infinity", "finite");
    }

    /** Every finite float passes the shape's check, every NaN and infinity fails it, wherever it stands. */
    @Test
    void theFiniteCheckSeparatesTheExtremes() {
        float[] finite = {Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 0f,
            -0f, 1f, Math.nextDown(Float.MAX_VALUE), Float.intBitsToFloat(0x7f7fffff)};
        float[] pixels = new float[48];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = finite[i % finite.length];
        }
        shape.requireMatches(pixels);
        float[] nonFinite = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.intBitsToFloat(0x7f800001), Float.intBitsToFloat(0xffc00000)};
        for (float bad : nonFinite) {
            for (int at : new int[] {0, 17, 47}) {
                float[] copy = pixels.clone();
                copy[at] = bad;
                assertMessage(() -> shape.requireMatches(copy), "is " + bad, "finite");
            }
            // 25 values: the last one past the check's blocks of eight.
            ImageShape odd = new ImageShape(5, 5, 1);
            float[] tail = new float[odd.values()];
            odd.requireMatches(tail);
            tail[24] = bad;
            assertMessage(() -> odd.requireMatches(tail), "pixel (y=4, x=4, c=0) is " + bad, "finite");
        }
    }

    @Test
    void truncationRulesAreChecked() {
        assertMessage(() -> new Truncation.MaxBond(0), "max bond 0", "at least 1");
        assertMessage(() -> new Truncation.RelativeError(0), "epsilon=0.0", "strictly between 0 and 1");
        assertMessage(() -> new Truncation.RelativeError(1), "epsilon=1.0", "strictly between 0 and 1");
        assertMessage(() -> new Truncation.TargetRatio(1.2), "ratio 1.2", "(0, 1]");
        assertMessage(() -> new Truncation.TargetRatio(-0.1), "ratio -0.1", "(0, 1]");
        assertMessage(() -> new Truncation.BondCaps(List.of(new int[] {2, 0, 2})), "bond cap 0 at bond 2", "1 or more");
        assertMessage(() -> new CompressionSpec(LayoutRequest.auto(), new Truncation.MaxBond(4), 0), "stages=0",
                "between 1 and 16");
        MmpsCodec wrongCaps = new MmpsCodec(new CompressionSpec(LayoutRequest.explicit("row:4,4,3"),
                new Truncation.BondCaps(List.of(new int[] {2, 2, 2})), 1), LowRankFactorizers.create("auto"));
        assertMessage(() -> wrongCaps.compress(new float[48], shape), "3 values", "2 bonds", "one cap per bond");
        MmpsCodec tooSmall = new MmpsCodec(new CompressionSpec(LayoutRequest.auto(), new Truncation.TargetRatio(0.01),
                2), LowRankFactorizers.create("auto"));
        assertMessage(() -> tooSmall.compress(new float[48], shape), "below what layout", "--ratio");
    }

    @Test
    void unknownRouteIsNamed() {
        assertMessage(() -> LowRankFactorizers.create("magic"), "'magic' is unknown", "auto");
    }

    static void assertMessage(Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
        }
    }
}
