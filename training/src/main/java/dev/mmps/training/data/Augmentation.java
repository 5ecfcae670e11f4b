package dev.mmps.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
        // Only each image's offsets and flip come from the host (3 numbers an image, drawn in the same order
        // as ever); the gather index of every pixel is built from them on the images' device.
        long[] dy = new long[b];
        long[] dx = new long[b];
        long[] mirror = new long[b];
        for (int i = 0; i < b; i++) {
            dy[i] = padding > 0 ? random.nextInt(2 * padding + 1) : 0;
            dx[i] = padding > 0 ? random.nextInt(2 * padding + 1) : 0;
            mirror[i] = flip && random.nextBoolean() ? 1 : 0;
        }
        NDManager m = images.getManager();
        NDArray rows = m.arange(0, h, 1, DataType.INT64).reshape(1, h, 1).add(m.create(dy).reshape(b, 1, 1)).mul(pw);
        NDArray flipped = m.create(mirror).reshape(b, 1, 1);
        // x, or w - 1 - x where the image is mirrored: x + flipped * (w - 1 - 2 x)
        NDArray x = m.arange(0, w, 1, DataType.INT64).reshape(1, 1, w);
        NDArray columns = x.add(flipped.mul(x.mul(-2).add(w - 1))).add(m.create(dx).reshape(b, 1, 1));
        NDArray gather = rows.add(columns).reshape(b, 1, (long) h * w).broadcast(b, c, (long) h * w);
        return padded.reshape(b, c, (long) ph * pw).gather(gather, 2).reshape(b, c, h, w);
    }
}
