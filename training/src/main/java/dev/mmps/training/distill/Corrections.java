package dev.mmps.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmps.tensor.layout.ImageShape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Learned corrections by image id. A correction of rank {@code r > 0} is, per channel, the product
 * {@code U V} of an {@code H x r} and an {@code r x W} matrix, {@code r (H + W) C} stored values; rank 0
 * means a full {@code C x H x W} term. Values are on the pixel scale and added to the rebuilt image.
 *
 * @param shape the images' shape
 * @param rank the rank of every correction, or 0 for full ones
 * @param terms per image id its factors: {@code u} ({@code C x H x r}, or the full {@code C x H x W} term) and
 *     {@code v} ({@code C x r x W}, empty for full terms)
 */
public record Corrections(ImageShape shape, int rank, Map<String, Term> terms) {

    /** One image's correction factors, row-major. */
    public record Term(float[] u, float[] v) {}

    public Corrections {
        if (rank < 0) {
            throw new IllegalArgumentException("correction rank " + rank + " is invalid: use 0 (full) or a positive "
                    + "rank such as 2");
        }
        terms = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(terms));
        for (Map.Entry<String, Term> e : terms.entrySet()) {
            Term t = e.getValue();
            if (t.u().length != uSize(shape, rank) || t.v().length != vSize(shape, rank)) {
                throw new IllegalArgumentException("the correction of " + e.getKey() + " holds " + t.u().length + " + "
                        + t.v().length + " values where rank " + rank + " on " + shape + " needs " + uSize(shape, rank)
                        + " + " + vSize(shape, rank));
            }
        }
    }

    static int uSize(ImageShape shape, int rank) {
        return shape.channels() * shape.height() * (rank == 0 ? shape.width() : rank);
    }

    static int vSize(ImageShape shape, int rank) {
        return rank == 0 ? 0 : shape.channels() * rank * shape.width();
    }

    /** Stored values of one image's correction. */
    public long valuesPerImage() {
        return uSize(shape, rank) + vSize(shape, rank);
    }

    /** Stored values of all corrections. */
    public long storedValues() {
        return valuesPerImage() * terms.size();
    }

    /**
     * The corrections of these images as a {@code (B, C, H, W)} array.
     *
     * @throws IllegalArgumentException if an id has no correction
     */
    public NDArray images(NDManager manager, List<String> ids) {
        int c = shape.channels();
        int h = shape.height();
        int w = shape.width();
        int b = ids.size();
        int us = uSize(shape, rank);
        int vs = vSize(shape, rank);
        float[] u = new float[b * us];
        float[] v = new float[b * vs];
        for (int i = 0; i < b; i++) {
            Term t = terms.get(ids.get(i));
            if (t == null) {
                throw new IllegalArgumentException("there is no correction for image " + ids.get(i) + "; learn "
                        + "corrections on this factor table with 'mmps distill'");
            }
            System.arraycopy(t.u(), 0, u, i * us, us);
            System.arraycopy(t.v(), 0, v, i * vs, vs);
        }
        if (rank == 0) {
            return manager.create(u, new Shape(b, c, h, w));
        }
        return manager.create(u, new Shape(b, c, h, rank)).matMul(manager.create(v, new Shape(b, c, rank, w)));
    }
}
