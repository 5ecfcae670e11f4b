package dev.mmps.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every augmented image is its original shifted within the padding, zero-filled, and mirrored or not. */
class AugmentationTest {

    private static final int B = 64;
    private static final int C = 2;
    private static final int H = 6;
    private static final int W = 5;

    @Test
    void cropsWithinThePaddingAndFlipsHalfOfTheImages() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] values = new float[B * C * H * W];
            for (int i = 0; i < values.length; i++) {
                values[i] = i + 1;
            }
            NDArray images = m.create(values, new Shape(B, C, H, W));
            float[] out = new Augmentation(2, true).apply(images, new Random(3)).toFloatArray();
            Set<String> seen = new HashSet<>();
            int mirrored = 0;
            for (int b = 0; b < B; b++) {
                String match = explain(values, out, b);
                assertTrue(match != null, "image " + b + " is no shifted copy of its original");
                seen.add(match);
                mirrored += match.endsWith("mirrored") ? 1 : 0;
            }
            assertTrue(seen.size() > 10, "offsets vary: " + seen);
            assertTrue(mirrored > 16 && mirrored < 48, mirrored + " of " + B + " mirrored");
        }
    }

    @Test
    void noneLeavesTheImagesAlone() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray images = m.randomUniform(0, 1, new Shape(2, 3, 4, 4));
            assertEquals(images, Augmentation.NONE.apply(images, new Random(1)));
        }
    }

    /** The shift and mirroring that turn the original into the output, or null if none does. */
    private static String explain(float[] in, float[] out, int b) {
        for (int dy = -2; dy <= 2; dy++) {
            for (int dx = -2; dx <= 2; dx++) {
                for (boolean mirror : new boolean[] {false, true}) {
                    if (matches(in, out, b, dy, dx, mirror)) {
                        return dy + "," + dx + (mirror ? " mirrored" : "");
                    }
                }
            }
        }
        return null;
    }

    private static boolean matches(float[] in, float[] out, int b, int dy, int dx, boolean mirror) {
        for (int c = 0; c < C; c++) {
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    int sy = y + dy;
                    int sx = (mirror ? W - 1 - x : x) + dx;
                    float want = sy < 0 || sy >= H || sx < 0 || sx >= W ? 0 : in[((b * C + c) * H + sy) * W + sx];
                    if (out[((b * C + c) * H + y) * W + x] != want) {
                        return false;
                    }
                }
            }
        }
        return true;
    }
}
