package dev.mmps.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmps.settings.ValidationException;
import dev.mmps.table.FactorFormat;
import dev.mmps.table.FactorTableReader;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.TensorLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Rebuilds MPS and MMPS rows (paper Eq. 1 and 5) for a whole batch at once: each stage's cores are
 * stacked with their bonds zero-padded to the batch's largest, contracted left to right by batched matrix
 * products, the stages added, and the tensor gathered back into {@code C x H x W} pixels through the
 * layout's index map.
 */
final class MpsRebuild implements Rebuild {

    private final TensorLayout layout;
    private final long[] tensorIndexOfPixel;

    MpsRebuild(TensorLayout layout) {
        this.layout = layout;
        this.tensorIndexOfPixel = channelFirstIndex(layout);
    }

    @Override
    public NDArray images(NDManager manager, List<FactorTableReader.Entry> rows) {
        int stages = rows.stream().mapToInt(r -> r.stages().size()).max().orElse(0);
        NDArray tensor = manager.zeros(new Shape(rows.size(), layout.size()));
        for (int s = 0; s < stages; s++) {
            tensor = tensor.add(contractStage(manager, rows, s));
        }
        return toPixels(manager, tensor);
    }

    /** One stage of every row as a {@code (B, j_1 * .. * j_n)} tensor; rows without the stage give zeros. */
    private NDArray contractStage(NDManager manager, List<FactorTableReader.Entry> rows, int stage) {
        int b = rows.size();
        NDArray t = null;
        for (int k = 0; k < layout.cores(); k++) {
            NDArray core = stackCore(manager, rows, stage, k);
            Shape s = core.getShape();
            t = t == null ? core.reshape(b, s.get(2), s.get(3))
                    : t.matMul(core.reshape(b, s.get(1), s.get(2) * s.get(3))).reshape(b, -1, s.get(3));
        }
        return t.reshape(b, layout.size());
    }

    private NDArray stackCore(NDManager manager, List<FactorTableReader.Entry> rows, int stage, int k) {
        List<float[]> values = new ArrayList<>(rows.size());
        List<int[]> dims = new ArrayList<>(rows.size());
        for (FactorTableReader.Entry row : rows) {
            if (stage < row.stages().size()) {
                FactorFormat.StoredStage st = row.stages().get(stage);
                values.add(Rebuild.decode(row, st.cores().get(k)));
                dims.add(new int[] {st.ranks()[k], layout.dim(k), st.ranks()[k + 1]});
            } else {
                values.add(null);
                dims.add(new int[] {1, layout.dim(k), 1});
            }
        }
        return PaddedStack.of(manager, values, dims);
    }

    private NDArray toPixels(NDManager manager, NDArray tensor) {
        ImageShape shape = layout.shape();
        long b = tensor.getShape().get(0);
        NDArray index = manager.create(tensorIndexOfPixel).reshape(1, -1).broadcast(b, tensorIndexOfPixel.length);
        return tensor.gather(index, 1).reshape(b, shape.channels(), shape.height(), shape.width());
    }

    /**
     * For each pixel in {@code C x H x W} order, its position in the tensor: found by sending pixel numbers
     * through the layout's own {@link TensorLayout#tensorize}, so padding and index order need no second
     * implementation here.
     */
    private static long[] channelFirstIndex(TensorLayout layout) {
        ImageShape shape = layout.shape();
        int n = shape.values();
        if (n > 1 << 24) {
            throw new ValidationException("images of " + shape + " hold " + n + " values, more than the "
                    + (1 << 24) + " this rebuild indexes exactly; compress them at a smaller --size");
        }
        float[] numbers = new float[n];
        for (int p = 0; p < n; p++) {
            numbers[p] = p + 1;
        }
        double[] tensor = new double[layout.size()];
        layout.tensorize(numbers, tensor);
        long[] positionOfPixel = new long[n];
        for (int t = 0; t < tensor.length; t++) {
            if (tensor[t] > 0) {
                positionOfPixel[(int) tensor[t] - 1] = t;
            }
        }
        int h = shape.height();
        int w = shape.width();
        int c = shape.channels();
        long[] chw = new long[n];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    chw[(ch * h + y) * w + x] = positionOfPixel[(y * w + x) * c + ch];
                }
            }
        }
        return chw;
    }
}
