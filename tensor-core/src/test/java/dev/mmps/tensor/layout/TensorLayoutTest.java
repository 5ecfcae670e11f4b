package dev.mmps.tensor.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.tensor.TestImages;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TensorLayoutTest {

    /** Relative difference of two sums of the same float32 values in different orders. */
    private static final double SUM_TOLERANCE = 1e-6;


    static Stream<Arguments> layouts() {
        ImageShape cifar = new ImageShape(32, 32, 3);
        ImageShape odd = new ImageShape(17, 23, 3);
        return Stream.of(
                Arguments.of(TensorLayout.parse("row:4,8,4,8,3", cifar)),
                Arguments.of(TensorLayout.parse("row:4,4,4,4,12", cifar)),
                Arguments.of(TensorLayout.parse("row:4,8,4,8,4", cifar)),
                Arguments.of(TensorLayout.parse("row:5,4,6,4,3@20x24", odd)),
                Arguments.of(TensorLayout.parse("block:4x4,2x2,2x2,2x2,1x1x3", cifar)),
                Arguments.of(TensorLayout.parse("block:1x1x3,4x4,2x2,2x2,2x2", cifar)),
                Arguments.of(TensorLayout.parse("block:3x4,2x2,3x3x3", odd)),
                Arguments.of(LayoutPlanner.plan(odd, IndexOrder.ROW, 5)),
                Arguments.of(LayoutPlanner.plan(odd, IndexOrder.BLOCK, 5)),
                Arguments.of(LayoutPlanner.plan(new ImageShape(28, 28, 1), IndexOrder.BLOCK, 5)),
                Arguments.of(LayoutPlanner.plan(new ImageShape(1, 1, 1), IndexOrder.BLOCK, 3)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void roundTripIsExactAndPaddingIsZero(TensorLayout layout) {
        ImageShape shape = layout.shape();
        float[] pixels = TestImages.noise(shape, 11);
        double[] tensor = new double[layout.size()];
        java.util.Arrays.fill(tensor, -1);
        layout.tensorize(pixels, tensor);
        double sum = 0;
        for (double v : tensor) {
            assertTrue(v >= 0, "every position written; padding is zero");
            sum += v;
        }
        double expected = 0;
        for (float p : pixels) {
            expected += p;
        }
        assertEquals(expected, sum, SUM_TOLERANCE * expected);
        float[] back = new float[shape.values()];
        layout.untensorize(tensor, back);
        assertArrayEquals(pixels, back);
        assertEquals(layout, TensorLayout.parse(layout.spec(), shape), "spec round trip");
    }

    @Test
    void rowOrderIsTheRowMajorReshape() {
        ImageShape shape = new ImageShape(4, 6, 2);
        TensorLayout layout = TensorLayout.parse("row:2,2,3,2,2", shape);
        float[] pixels = new float[shape.values()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = i;
        }
        double[] tensor = new double[layout.size()];
        layout.tensorize(pixels, tensor);
        for (int i = 0; i < pixels.length; i++) {
            assertEquals(i, tensor[i]);
        }
    }

    @Test
    void blockOrderKeepsTwoByTwoBlocksOnTheLastCore() {
        ImageShape shape = new ImageShape(8, 8, 1);
        TensorLayout layout = TensorLayout.parse("block:2x2,2x2,2x2", shape);
        float[] pixels = new float[shape.values()];
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                pixels[y * 8 + x] = y * 8 + x;
            }
        }
        double[] tensor = new double[layout.size()];
        layout.tensorize(pixels, tensor);
        // Each run of four consecutive tensor entries is one 2x2 block of neighbouring pixels.
        for (int block = 0; block < 16; block++) {
            Set<Integer> ys = new HashSet<>();
            Set<Integer> xs = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                int p = (int) tensor[block * 4 + i];
                ys.add(p / 8);
                xs.add(p % 8);
            }
            assertEquals(2, ys.size());
            assertEquals(2, xs.size());
            int y0 = ys.stream().min(Integer::compare).orElseThrow();
            int x0 = xs.stream().min(Integer::compare).orElseThrow();
            assertEquals(0, y0 % 2);
            assertEquals(0, x0 % 2);
        }
        // The first core is the coarsest: tensor index 0..15 covers the top-left 4x4 quadrant.
        for (int i = 0; i < 16; i++) {
            int p = (int) tensor[i];
            assertTrue(p / 8 < 4 && p % 8 < 4, "entry " + i + " is pixel " + p);
        }
    }

    @Test
    void badSpecsNameTheValueAndTheFix() {
        ImageShape shape = new ImageShape(32, 32, 3);
        assertMessage(() -> TensorLayout.parse("row:4,4,4", shape), "holds 64 values", "at least 3072");
        assertMessage(() -> TensorLayout.parse("block:4x4,2x2,2x2,2x2", shape), "channel factors multiply to 1",
                "exactly 3");
        assertMessage(() -> TensorLayout.parse("block:4x4,2x2,2x2,1x1x3", shape), "covers 16x16", "at least 32");
        assertMessage(() -> TensorLayout.parse("zigzag:1,2", shape), "unknown order 'zigzag'", "row: or block:");
        assertMessage(() -> TensorLayout.parse("row:4,x,4", shape), "malformed", "whole numbers");
        assertMessage(() -> TensorLayout.parse("row:0,4", shape), "dimension 1 is 0", "at least 1");
        assertMessage(() -> TensorLayout.parse("row:3072", shape), "at least 2 core dimensions", "4,8,4,8,3");
        assertMessage(() -> TensorLayout.parse("row:4,8,4,8,3@16x16", shape), "smaller than the image", "padding");
        assertMessage(() -> new ImageShape(0, 3, 1), "height 0", "at least 1");
        assertMessage(() -> ImageShape.parse("32by32"), "malformed", "HxW");
        assertMessage(() -> IndexOrder.parse("snake"), "'snake' is unknown", "'row' or 'block'");
        assertMessage(() -> LayoutPlanner.plan(shape, IndexOrder.ROW, 1), "cores 1", "at least 2");
        assertMessage(() -> LayoutPlanner.plan(shape, IndexOrder.ROW, 5, ChannelPlacement.FIRST), "block order",
                "--order block");
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
        }
    }
}
