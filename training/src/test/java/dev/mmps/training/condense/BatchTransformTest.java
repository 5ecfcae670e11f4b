package dev.mmps.training.condense;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmps.training.data.Augmentation;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A batch transformation moves and mirrors pixels where its parameters say, with zeros coming in. */
class BatchTransformTest {

    @Test
    void shiftsMoveDownAndRightAndFlipsMirror() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // One image, one channel, 2 x 3: 1 2 3 / 4 5 6.
            NDArray x = manager.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(1, 1, 2, 3));
            assertArrayEquals(new float[] {0, 0, 0, 0, 1, 2}, new BatchTransform(false, 1, 1).apply(x).toFloatArray());
            assertArrayEquals(new float[] {5, 6, 0, 0, 0, 0}, new BatchTransform(false, -1, -1).apply(x)
                    .toFloatArray());
            assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4}, new BatchTransform(true, 0, 0).apply(x).toFloatArray());
            assertArrayEquals(new float[] {0, 3, 2, 0, 6, 5}, new BatchTransform(true, 0, 1).apply(x).toFloatArray(),
                    "mirrored, then moved right");
            assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0}, new BatchTransform(false, 0, 5).apply(x).toFloatArray(),
                    "a shift beyond the side leaves zeros");
        }
    }

    @Test
    void drawsStayWithinTheAugmentation() {
        Random random = new Random(3);
        boolean flipped = false;
        for (int i = 0; i < 200; i++) {
            BatchTransform t = BatchTransform.draw(new Augmentation(2, true), random);
            assertTrue(Math.abs(t.dy()) <= 2 && Math.abs(t.dx()) <= 2, t.toString());
            flipped |= t.flip();
            BatchTransform none = BatchTransform.draw(Augmentation.NONE, random);
            assertTrue(none.equals(BatchTransform.IDENTITY), none.toString());
        }
        assertTrue(flipped);
    }
}
