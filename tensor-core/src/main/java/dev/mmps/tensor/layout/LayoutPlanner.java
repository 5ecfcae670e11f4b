package dev.mmps.tensor.layout;

/**
 * Chooses a layout automatically from the image shape.
 *
 * <p>Both orders are built from the same pieces: each image axis is split into factors by
 * {@link AxisSplit} (padding it where it factors badly), and the factors are dealt onto cores as
 * {@code (h, w, c)} triples. Row order puts all height factors first, then all width factors, then
 * the channels, which is exactly the row-major reshape of Algorithm 1; block order pairs the
 * height and width factors level by level, coarse to fine.
 *
 * <p>Factors are arranged so the chain is widest just inside its ends: the largest factor sits at
 * the second level, the next largest at the first, the rest follow in decreasing size (block
 * order: {@code 2x2,4x4,2x2,2x2} for 32 pixels, {@code 4x4,7x7,4x4,2x2} for 224). Row order uses
 * that arrangement for the height and its mirror image for the width ({@code 4,8 | 8,4}), so the
 * large factors meet in the middle. The defaults ({@link #DEFAULT_ORDER}, {@link #DEFAULT_CHANNELS},
 * {@link #DEFAULT_CORES}) and this arrangement were chosen by measuring PSNR at equal compression
 * ratio on CIFAR-10 and ImageNet photographs; see BENCHMARKS.md, "Choosing the layout".
 */
public final class LayoutPlanner {

    /** The paper uses five cores. */
    public static final int DEFAULT_CORES = 5;
    public static final IndexOrder DEFAULT_ORDER = IndexOrder.BLOCK;
    public static final ChannelPlacement DEFAULT_CHANNELS = ChannelPlacement.LAST;

    private LayoutPlanner() {}

    /** The default layout for a shape: {@link #DEFAULT_ORDER} with {@link #DEFAULT_CORES} cores. */
    public static TensorLayout plan(ImageShape shape) {
        return plan(shape, DEFAULT_ORDER, DEFAULT_CORES, DEFAULT_CHANNELS);
    }

    public static TensorLayout plan(ImageShape shape, IndexOrder order, int cores) {
        return plan(shape, order, cores, DEFAULT_CHANNELS);
    }

    /**
     * @param cores number of cores, at least 2
     * @param channels where the channels go; ignored for single-channel images, and
     *     {@link ChannelPlacement#FIRST} is not available in row order (row-major keeps channels
     *     innermost)
     */
    public static TensorLayout plan(ImageShape shape, IndexOrder order, int cores, ChannelPlacement channels) {
        if (shape == null || order == null || channels == null) {
            throw new IllegalArgumentException("layout planning needs a shape, an order and a channel placement");
        }
        if (cores < 2) {
            throw new IllegalArgumentException("number of cores " + cores
                    + " is invalid: an MPS needs at least 2 cores (the paper uses 5)");
        }
        if (order == IndexOrder.ROW && channels == ChannelPlacement.FIRST && shape.channels() > 1) {
            throw new IllegalArgumentException("channel placement 'first' needs block order: row order keeps the "
                    + "channels innermost; use --order block or channel placement last/merged");
        }
        boolean ownChannelCore = shape.channels() > 1 && channels != ChannelPlacement.MERGED;
        int spatial = ownChannelCore ? cores - 1 : cores;
        if (spatial < 2) {
            ownChannelCore = false;
            spatial = cores;
            channels = ChannelPlacement.MERGED;
        }
        int[][] triples = order == IndexOrder.ROW
                ? rowTriples(shape, spatial)
                : blockTriples(shape, spatial);
        if (shape.channels() > 1) {
            triples = placeChannels(triples, shape.channels(), ownChannelCore ? channels : ChannelPlacement.MERGED);
        }
        if (order == IndexOrder.BLOCK) {
            return TensorLayout.block(shape, triples);
        }
        int paddedHeight = 1;
        int paddedWidth = 1;
        int[] dims = new int[triples.length];
        for (int k = 0; k < triples.length; k++) {
            paddedHeight *= triples[k][0];
            paddedWidth *= triples[k][1];
            dims[k] = triples[k][0] * triples[k][1] * triples[k][2];
        }
        return TensorLayout.row(shape, paddedHeight, paddedWidth, dims);
    }

    /** Height factors on the first cores, width factors on the rest. */
    private static int[][] rowTriples(ImageShape shape, int spatial) {
        int heightCores = (spatial + 1) / 2;
        int widthCores = spatial - heightCores;
        int[] h = arranged(AxisSplit.split(shape.height(), heightCores));
        int[] w = reversed(arranged(AxisSplit.split(shape.width(), widthCores)));
        int[][] triples = new int[spatial][];
        for (int k = 0; k < heightCores; k++) {
            triples[k] = new int[] {h[k], 1, 1};
        }
        for (int k = 0; k < widthCores; k++) {
            triples[heightCores + k] = new int[] {1, w[k], 1};
        }
        return triples;
    }

    /** One height and one width factor per level, coarsest level first. */
    private static int[][] blockTriples(ImageShape shape, int levels) {
        int[] h = arranged(AxisSplit.split(shape.height(), levels));
        int[] w = arranged(AxisSplit.split(shape.width(), levels));
        int[][] triples = new int[levels][];
        for (int k = 0; k < levels; k++) {
            triples[k] = new int[] {h[k], w[k], 1};
        }
        return triples;
    }

    /**
     * From factors in decreasing order: the second largest, the largest, then the rest in
     * decreasing order (the measured best arrangement).
     */
    static int[] arranged(int[] decreasing) {
        int[] a = decreasing.clone();
        if (a.length >= 2) {
            a[0] = decreasing[1];
            a[1] = decreasing[0];
        }
        return a;
    }

    private static int[] reversed(int[] a) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[a.length - 1 - i];
        }
        return r;
    }

    private static int[][] placeChannels(int[][] spatial, int channels, ChannelPlacement placement) {
        switch (placement) {
            case MERGED -> {
                int[][] t = spatial.clone();
                int last = t.length - 1;
                t[last] = new int[] {t[last][0], t[last][1], channels};
                return t;
            }
            case FIRST -> {
                int[][] t = new int[spatial.length + 1][];
                t[0] = new int[] {1, 1, channels};
                System.arraycopy(spatial, 0, t, 1, spatial.length);
                return t;
            }
            default -> {
                int[][] t = new int[spatial.length + 1][];
                System.arraycopy(spatial, 0, t, 0, spatial.length);
                t[spatial.length] = new int[] {1, 1, channels};
                return t;
            }
        }
    }
}
