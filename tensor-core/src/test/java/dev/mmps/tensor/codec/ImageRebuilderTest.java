package dev.mmps.tensor.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmps.tensor.TestImages;
import dev.mmps.tensor.Tolerance;
import dev.mmps.tensor.baseline.SvdCodec;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.IndexOrder;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The readers' rebuild, native single precision and plain Java, against the codec's own double-precision rebuild. */
class ImageRebuilderTest {

    @ParameterizedTest(name = "{0} {1}, {2} stages")
    @CsvSource({"224x224x3, BLOCK, 2", "32x32x3, BLOCK, 2", "32x32x3, ROW, 3", "17x23x3, BLOCK, 2", "17x23x3, ROW, 1",
        "28x28x1, ROW, 2", "1x1x1, ROW, 1"})
    void nativeAndJavaRebuildsMatchTheCodecs(String shapeSpec, IndexOrder order, int stages) {
        ImageShape shape = ImageShape.parse(shapeSpec);
        MmpsCodec codec = new MmpsCodec(new CompressionSpec(LayoutRequest.auto(order, 5),
                new Truncation.MaxBond(12), stages), LowRankFactorizers.create("auto"));
        MmpsFactors factors = codec.compress(TestImages.natural(shape, 3), shape).factors();
        float[] reference = factors.reconstruct();
        try (ImageRebuilder fast = new ImageRebuilder(true); ImageRebuilder plain = new ImageRebuilder(false)) {
            for (ImageRebuilder rebuilder : new ImageRebuilder[] {fast, plain}) {
                for (int round = 0; round < 2; round++) {
                    float[] rebuilt = rebuilder.reconstruct(factors);
                    assertEquals(reference.length, rebuilt.length);
                    for (int i = 0; i < reference.length; i++) {
                        assertEquals(reference[i], rebuilt[i], Tolerance.PIXEL_F32, factors.layout().spec() + " at " + i);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"32x32x3", "9x5x1"})
    void otherCodecsRebuildThemselves(String shapeSpec) {
        ImageShape shape = ImageShape.parse(shapeSpec);
        ImageFactors factors = new SvdCodec(0.5, LowRankFactorizers.create("auto"))
                .encode(TestImages.natural(shape, 4), shape).factors();
        try (ImageRebuilder rebuilder = new ImageRebuilder()) {
            assertArrayEquals(factors.reconstruct(), rebuilder.reconstruct(factors));
        }
    }
}
