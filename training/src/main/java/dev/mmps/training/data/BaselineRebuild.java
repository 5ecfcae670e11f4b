package dev.mmps.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmps.table.FactorTableReader;
import dev.mmps.tensor.layout.ImageShape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Rebuilds the paper's comparison codecs for a batch at once ({@code docs/FORMAT.md}, "Codecs"), ranks
 * zero-padded to the batch's largest:
 * <ul>
 *   <li>{@code svd}: per channel {@code U V}, one batched product over images and channels;
 *   <li>{@code cp}: {@code X[c] = sum_r C[c, r] A[:, r] B[:, r]^T}, the outer products of {@code A} and
 *       {@code B} formed once and mixed by {@code C};
 *   <li>{@code tucker}: the core multiplied by {@code U3}, {@code U1} and {@code U2} in turn.
 * </ul>
 */
final class BaselineRebuild implements Rebuild {

    private final String codec;
    private final ImageShape shape;

    BaselineRebuild(String codec, ImageShape shape) {
        if (!List.of("svd", "cp", "tucker").contains(codec)) {
            throw new IllegalArgumentException("codec '" + codec + "' has no baseline rebuild: use svd, cp or tucker");
        }
        this.codec = codec;
        this.shape = shape;
    }

    @Override
    public NDArray images(NDManager manager, List<FactorTableReader.Entry> rows) {
        return switch (codec) {
            case "svd" -> svd(manager, rows);
            case "cp" -> cp(manager, rows);
            default -> tucker(manager, rows);
        };
    }

    private NDArray svd(NDManager m, List<FactorTableReader.Entry> rows) {
        int b = rows.size();
        int c = shape.channels();
        List<float[]> u = new ArrayList<>();
        List<float[]> v = new ArrayList<>();
        List<int[]> uDims = new ArrayList<>();
        List<int[]> vDims = new ArrayList<>();
        for (FactorTableReader.Entry row : rows) {
            for (int ch = 0; ch < c; ch++) {
                int r = row.stages().get(ch).ranks()[1];
                u.add(factor(row, ch, 0));
                v.add(factor(row, ch, 1));
                uDims.add(new int[] {1, shape.height(), r});
                vDims.add(new int[] {1, r, shape.width()});
            }
        }
        NDArray us = PaddedStack.of(m, u, uDims).squeeze(1);
        NDArray vs = PaddedStack.of(m, v, vDims).squeeze(1);
        return us.matMul(vs).reshape(b, c, shape.height(), shape.width());
    }

    private NDArray cp(NDManager m, List<FactorTableReader.Entry> rows) {
        int b = rows.size();
        Function<Integer, Integer> rank = i -> rows.get(i).stages().get(0).ranks()[0];
        NDArray a = matrices(m, rows, 0, shape.height(), rank);
        NDArray bm = matrices(m, rows, 1, shape.width(), rank);
        NDArray cm = matrices(m, rows, 2, shape.channels(), rank);
        NDArray outer = a.expandDims(2).mul(bm.expandDims(1)).reshape(b, (long) shape.height() * shape.width(), -1);
        return cm.matMul(outer.transpose(0, 2, 1)).reshape(b, shape.channels(), shape.height(), shape.width());
    }

    private NDArray tucker(NDManager m, List<FactorTableReader.Entry> rows) {
        int b = rows.size();
        List<float[]> cores = new ArrayList<>();
        List<int[]> coreDims = new ArrayList<>();
        for (FactorTableReader.Entry row : rows) {
            cores.add(factor(row, 0, 0));
            coreDims.add(row.stages().get(0).ranks().clone());
        }
        NDArray g = PaddedStack.of(m, cores, coreDims);
        long r1 = g.getShape().get(1);
        long r2 = g.getShape().get(2);
        long r3 = g.getShape().get(3);
        NDArray u1 = matrices(m, rows, 1, shape.height(), i -> rows.get(i).stages().get(0).ranks()[0]);
        NDArray u2 = matrices(m, rows, 2, shape.width(), i -> rows.get(i).stages().get(0).ranks()[1]);
        NDArray u3 = matrices(m, rows, 3, shape.channels(), i -> rows.get(i).stages().get(0).ranks()[2]);
        NDArray byChannel = u3.matMul(g.transpose(0, 3, 1, 2).reshape(b, r3, r1 * r2))
                .reshape(b, shape.channels(), r1, r2);
        NDArray byRow = u1.expandDims(1).matMul(byChannel);
        return byRow.matMul(u2.transpose(0, 2, 1).expandDims(1));
    }

    /** Factor {@code k} of every row as a {@code (B, rows, rank)} array, ranks padded. */
    private static NDArray matrices(NDManager m, List<FactorTableReader.Entry> rows, int k, int extent,
            Function<Integer, Integer> rank) {
        List<float[]> values = new ArrayList<>(rows.size());
        List<int[]> dims = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            values.add(factor(rows.get(i), 0, k));
            dims.add(new int[] {1, extent, rank.apply(i)});
        }
        return PaddedStack.of(m, values, dims).squeeze(1);
    }

    private static float[] factor(FactorTableReader.Entry row, int stage, int k) {
        return Rebuild.decode(row, row.stages().get(stage).cores().get(k));
    }
}
