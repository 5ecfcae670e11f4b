package dev.mmps.tensor.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LayoutPlannerTest {

    static Stream<Arguments> shapes() {
        return Stream.of(new int[][] {
            {1, 1, 1}, {2, 2, 1}, {28, 28, 1}, {32, 32, 3}, {224, 224, 3}, {17, 23, 3}, {227, 227, 3}, {64, 8, 3},
            {8, 64, 3}, {1, 100, 1}, {500, 375, 3}, {97, 89, 1}, {32, 32, 4}
        }).flatMap(s -> Stream.of(IndexOrder.values()).flatMap(order -> Stream.of(2, 3, 5, 7).flatMap(cores ->
                Stream.of(ChannelPlacement.values()).map(ch -> Arguments.of(new ImageShape(s[0], s[1], s[2]), order,
                        cores, ch)))));
    }

    @ParameterizedTest(name = "{0} {1} n={2} {3}")
    @MethodSource("shapes")
    void planCoversTheImageWithModestPadding(ImageShape shape, IndexOrder order, int cores, ChannelPlacement ch) {
        if (order == IndexOrder.ROW && ch == ChannelPlacement.FIRST && shape.channels() > 1) {
            return; // rejected with a message, tested in TensorLayoutTest
        }
        TensorLayout layout = LayoutPlanner.plan(shape, order, cores, ch);
        assertEquals(cores, layout.cores(), layout.spec());
        assertEquals(order, layout.order());
        assertTrue(layout.paddedHeight() >= shape.height() && layout.paddedWidth() >= shape.width());
        // Padding stays below a factor of two per axis.
        assertTrue(layout.paddedHeight() < 2 * shape.height() + 2, layout.spec());
        assertTrue(layout.paddedWidth() < 2 * shape.width() + 2, layout.spec());
        assertTrue(layout.size() >= shape.values());
        assertEquals(layout, TensorLayout.parse(layout.spec(), shape));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("defaults")
    void defaultsForCommonShapes(ImageShape shape, String expected) {
        assertEquals(expected, LayoutPlanner.plan(shape).spec());
    }

    static Stream<Arguments> defaults() {
        return Stream.of(
                Arguments.of(new ImageShape(32, 32, 3), "block:2x2,4x4,2x2,2x2,1x1x3"),
                Arguments.of(new ImageShape(28, 28, 1), "block:2x2,2x2,2x2,2x2,2x2"),
                Arguments.of(new ImageShape(224, 224, 3), "block:4x4,7x7,4x4,2x2,1x1x3"),
                // 64 = 4*4*2*2 and 48 = 4*3*2*2, each arranged second-largest first.
                Arguments.of(new ImageShape(64, 48, 3), "block:4x3,4x4,2x2,2x2,1x1x3"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rowDefaults")
    void rowOrderPutsLargeFactorsInTheMiddle(ImageShape shape, String expected) {
        assertEquals(expected, LayoutPlanner.plan(shape, IndexOrder.ROW, 5).spec());
    }

    static Stream<Arguments> rowDefaults() {
        return Stream.of(
                Arguments.of(new ImageShape(32, 32, 3), "row:4,8,8,4,3"),
                Arguments.of(new ImageShape(224, 224, 3), "row:14,16,16,14,3"));
    }
}
