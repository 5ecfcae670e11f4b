package dev.mmps.nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.TestImages;
import dev.mmps.tensor.Tolerance;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.ImageCodec;
import dev.mmps.tensor.codec.MmpsCodec;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.linalg.LowRank;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The {@code nd4j} route against the reference route ({@code lapack-svd}, tensor-core's own LAPACK): same
 * spectrum, same kept subspace under the sign convention, and MMPS images of the same quality.
 */
class Nd4jRouteTest {

    private static final int[][] SHAPES = {{1, 1}, {1, 9}, {9, 1}, {3, 17}, {17, 3}, {16, 192}, {192, 16}, {40, 12},
        {100, 130}};

    @Test
    void theRouteIsRegisteredWithTheSeam() {
        assertTrue(LowRankFactorizers.names().contains("nd4j"), LowRankFactorizers.names().toString());
        assertEquals("nd4j", LowRankFactorizers.create("nd4j").name());
    }

    @Test
    void factorsEqualTheReferenceRoute() {
        for (int[] shape : SHAPES) {
            int rows = shape[0];
            int cols = shape[1];
            double[] a = TestImages.matrix(rows, cols, new Random(rows * 31L + cols));
            int keep = Math.max(1, Math.min(rows, cols) / 3);
            LowRank ours = new LowRank();
            LowRank reference = new LowRank();
            LowRankFactorizers.create("nd4j").factor(a, rows, cols, (s, count, total) -> keep, ours);
            LowRankFactorizers.create("lapack-svd").factor(a, rows, cols, (s, count, total) -> keep, reference);
            String at = rows + "x" + cols;
            assertEquals(keep, ours.rank(), at);
            double largest = reference.sigmaSquared()[0];
            for (int i = 0; i < Math.min(rows, cols); i++) {
                assertEquals(reference.sigmaSquared()[i], ours.sigmaSquared()[i], Tolerance.SPECTRUM * largest,
                        at + " sigma^2[" + i + "]");
            }
            assertEquals(reference.discardedEnergy(), ours.discardedEnergy(), Tolerance.SPECTRUM * largest * rows, at);
            // Distinct singular values and one sign convention: the same vectors, not just the same subspace.
            for (int i = 0; i < rows * keep; i++) {
                assertEquals(reference.u()[i], ours.u()[i], 1e-8, at + " U[" + i + "]");
            }
            for (int i = 0; i < keep * cols; i++) {
                assertEquals(reference.w()[i], ours.w()[i], 1e-8 * Math.sqrt(largest), at + " W[" + i + "]");
            }
        }
    }

    @Test
    void mmpsThroughTheRouteRebuildsTheImageAsTheReferenceRouteDoes() {
        ImageShape shape = new ImageShape(32, 32, 3);
        float[] image = TestImages.natural(shape, 7);
        ImageCodec.Encoding ours = new MmpsCodec(CompressionSpec.defaults(), LowRankFactorizers.create("nd4j"))
                .encode(image, shape);
        ImageCodec.Encoding reference = new MmpsCodec(CompressionSpec.defaults(),
                LowRankFactorizers.create("lapack-svd")).encode(image, shape);
        assertEquals(reference.stats().psnrDb(), ours.stats().psnrDb(), 1e-6);
        assertArrayEquals(reference.factors().reconstruct(), ours.factors().reconstruct(), (float) Tolerance.PIXEL_F32);
    }
}
