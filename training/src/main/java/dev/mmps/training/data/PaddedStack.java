package dev.mmps.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmps.settings.ValidationException;
import java.util.List;

/**
 * Stacks one three-way factor per image into a single {@code (B, d0, d1, d2)} array, each axis as long as
 * its largest entry in the batch, zero-filled elsewhere. Zero rows and columns on a bond add nothing to a
 * contraction, so images whose ranks differ are rebuilt together, exactly.
 */
final class PaddedStack {

    private PaddedStack() {}

    /**
     * @param values per image its factor, row-major over {@code dims}; null for an image that lacks it (zeros)
     * @param dims per image the factor's three extents
     */
    static NDArray of(NDManager manager, List<float[]> values, List<int[]> dims) {
        int b = values.size();
        int[] max = {1, 1, 1};
        for (int[] d : dims) {
            for (int a = 0; a < 3; a++) {
                max[a] = Math.max(max[a], d[a]);
            }
        }
        int per = max[0] * max[1] * max[2];
        float[] out = new float[b * per];
        for (int i = 0; i < b; i++) {
            float[] v = values.get(i);
            if (v != null) {
                copyPadded(v, dims.get(i), out, i * per, max);
            }
        }
        return manager.create(out, new Shape(b, max[0], max[1], max[2]));
    }

    private static void copyPadded(float[] v, int[] d, float[] out, int offset, int[] max) {
        if (v.length != (long) d[0] * d[1] * d[2]) {
            throw new ValidationException("a factor holds " + v.length + " values where its extents "
                    + d[0] + "x" + d[1] + "x" + d[2] + " make " + (long) d[0] * d[1] * d[2]
                    + "; the factor table is damaged: check it with 'mmps inspect' and compress the images again");
        }
        for (int x = 0; x < d[0]; x++) {
            for (int y = 0; y < d[1]; y++) {
                System.arraycopy(v, (x * d[1] + y) * d[2], out, offset + (x * max[1] + y) * max[2], d[2]);
            }
        }
    }
}
