package dev.mmps.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Random;

/**
 * The standard augmentation for small images, applied on the device to a whole batch: each image is
 * zero-padded by {@code padding} pixels on every side and cropped back to its size at a random offset,
 * and mirrored left to right with probability one half when {@code flip} is on. Offsets and flips come
 * from the caller's seeded {@link Random}, so a run repeats exactly.
 *
 * @param padding pixels added on each side before the random crop; 0 turns cropping off
 * @param flip whether to mirror half of the images horizontally
 */
public record Augmentation(int padding, boolean flip) {

    public static final Augmentation NONE = new Augmentation(0, false);

    public Augmentation {
        if (padding < 0) {
            throw new IllegalArgumentException("augmentation padding " + padding + " is invalid: use 0 (no random "
                    + "crop) or a positive number of pixels, for example 4");
        }
    }

    public boolean active() {
        return padding > 0 || flip;
    }

    /**
     * @param images {@code (B, C, H, W)}
     * @return the augmented images, same shape
     */
    public NDArray apply(NDArray images, Random random) {
        if (!active()) {
            return images;
        }
        Shape s = images.getShape();
        int b = (int) s.get(0);
        int c = (int) s.get(1);
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        int ph = h + 2 * padding;
        int pw = w + 2 * padding;
        NDArray padded = padding > 0 ? images.pad(new Shape(padding, padding, padding, padding), 0) : images;
        long[] index = new long[b * c * h * w];
        for (int i = 0; i < b; i++) {
            int dy = padding > 0 ? random.nextInt(2 * padding + 1) : 0;
            int dx = padding > 0 ? random.nextInt(2 * padding + 1) : 0;
            boolean mirror = flip && random.nextBoolean();
            for (int ch = 0; ch < c; ch++) {
                int base = (i * c + ch) * h * w;
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int sx = mirror ? w - 1 - x : x;
                        index[base + y * w + x] = (long) (y + dy) * pw + sx + dx;
                    }
                }
            }
        }
        NDArray gather = images.getManager().create(index, new Shape(b, c, (long) h * w));
        return padded.reshape(b, c, (long) ph * pw).gather(gather, 2).reshape(b, c, h, w);
    }
}
