package dev.mmps.tensor.layout;

import java.util.Arrays;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * How one image shape becomes an n-way tensor with physical dimensions {@code j_1 .. j_n}, and
 * back. A layout is part of every compressed image, so a reader can undo it.
 *
 * <p>Two families, matching {@link IndexOrder}:
 * <ul>
 *   <li><b>row</b>: the image is zero-padded to {@code paddedHeight x paddedWidth}, flattened
 *       row-major as {@code [y][x][c]}, followed by zeros up to {@code j_1 * .. * j_n} (the tail),
 *       and read as a row-major tensor of the dimensions. Spec: {@code row:4,8,4,8,3}, or with
 *       spatial padding {@code row:4,8,4,8,3@32x32}.
 *   <li><b>block</b>: core {@code k} carries a factor triple {@code (h_k, w_k, c_k)} and its index
 *       is {@code i_k = (y_k * w_k + x_k) * c_k + c'_k}, where {@code y = sum_k y_k * prod_{l>k} h_l}
 *       (first core coarsest) and likewise for {@code x} and the channel. The padded height is
 *       {@code prod h_k}, the padded width {@code prod w_k}, and {@code prod c_k} is the channel
 *       count. Spec: {@code block:4x4,2x2,2x2,2x2,1x1x3}.
 * </ul>
 * Padding positions hold zeros in the tensor and are dropped when the tensor becomes an image
 * again.
 */
public final class TensorLayout {

    private final ImageShape shape;
    private final IndexOrder order;
    private final int paddedHeight;
    private final int paddedWidth;
    private final int[] dims;
    private final int[][] blockFactors;
    private final int size;
    private volatile int[] positions;

    private TensorLayout(ImageShape shape, IndexOrder order, int paddedHeight, int paddedWidth, int[] dims,
            int[][] blockFactors) {
        this.shape = shape;
        this.order = order;
        this.paddedHeight = paddedHeight;
        this.paddedWidth = paddedWidth;
        this.dims = dims;
        this.blockFactors = blockFactors;
        this.size = (int) product(dims);
    }

    /**
     * A row-order layout.
     *
     * @param dims core dimensions; their product must be at least
     *     {@code paddedHeight * paddedWidth * channels}
     */
    public static TensorLayout row(ImageShape shape, int paddedHeight, int paddedWidth, int... dims) {
        requireShape(shape);
        int[] copy = checkedDims(dims, "row layout");
        if (paddedHeight < shape.height() || paddedWidth < shape.width()) {
            throw new IllegalArgumentException("padded size " + paddedHeight + "x" + paddedWidth
                    + " is smaller than the image " + shape + "; padding can only add rows and columns");
        }
        long needed = (long) paddedHeight * paddedWidth * shape.channels();
        long product = product(copy);
        if (product < needed) {
            throw new IllegalArgumentException("row layout " + join(copy) + " holds " + product + " values but the "
                    + paddedHeight + "x" + paddedWidth + "x" + shape.channels() + " image needs " + needed
                    + "; choose dimensions whose product is at least " + needed);
        }
        requireFits(product, copy);
        return new TensorLayout(shape, IndexOrder.ROW, paddedHeight, paddedWidth, copy, null);
    }

    /**
     * A block-order layout from one {@code {h, w, c}} triple per core.
     */
    public static TensorLayout block(ImageShape shape, int[][] factors) {
        requireShape(shape);
        if (factors == null || factors.length < 2) {
            throw new IllegalArgumentException("block layout needs at least 2 cores, got "
                    + (factors == null ? "none" : factors.length) + "; give one HxW[xC] factor per core");
        }
        int[][] copy = new int[factors.length][];
        int[] dims = new int[factors.length];
        long h = 1;
        long w = 1;
        long c = 1;
        for (int k = 0; k < factors.length; k++) {
            int[] f = factors[k];
            if (f == null || f.length != 3 || f[0] < 1 || f[1] < 1 || f[2] < 1) {
                throw new IllegalArgumentException("block core " + (k + 1) + " factor " + Arrays.toString(f)
                        + " is invalid: each core needs three factors (height, width, channels), all at least 1");
            }
            copy[k] = f.clone();
            h *= f[0];
            w *= f[1];
            c *= f[2];
            dims[k] = f[0] * f[1] * f[2];
        }
        if (h < shape.height() || w < shape.width() || h > Integer.MAX_VALUE || w > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("block layout covers " + h + "x" + w + " pixels but the image is "
                    + shape.height() + "x" + shape.width() + "; the height factors must multiply to at least "
                    + shape.height() + " and the width factors to at least " + shape.width());
        }
        if (c != shape.channels()) {
            throw new IllegalArgumentException("block layout channel factors multiply to " + c + " but the image has "
                    + shape.channels() + " channels; they must multiply to exactly " + shape.channels());
        }
        requireFits(product(dims), dims);
        return new TensorLayout(shape, IndexOrder.BLOCK, (int) h, (int) w, dims, copy);
    }

    /**
     * Parses a layout spec ({@code row:...} or {@code block:...}, see the class comment) for an
     * image of the given shape.
     */
    public static TensorLayout parse(String spec, ImageShape shape) {
        requireShape(shape);
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("layout spec is empty; write for example row:4,8,4,8,3 or "
                    + "block:4x4,2x2,2x2,2x2,1x1x3");
        }
        String text = spec.trim().toLowerCase(Locale.ROOT);
        int colon = text.indexOf(':');
        String kind = colon < 0 ? text : text.substring(0, colon);
        String body = colon < 0 ? "" : text.substring(colon + 1);
        try {
            if (kind.equals("row")) {
                int at = body.indexOf('@');
                int[] dims = parseInts(at < 0 ? body : body.substring(0, at), ",");
                int ph = shape.height();
                int pw = shape.width();
                if (at >= 0) {
                    int[] padded = parseInts(body.substring(at + 1), "x");
                    if (padded.length != 2) {
                        throw new NumberFormatException("padding");
                    }
                    ph = padded[0];
                    pw = padded[1];
                }
                return row(shape, ph, pw, dims);
            }
            if (kind.equals("block")) {
                String[] cores = body.split(",");
                int[][] factors = new int[cores.length][];
                for (int k = 0; k < cores.length; k++) {
                    int[] f = parseInts(cores[k], "x");
                    if (f.length == 2) {
                        f = new int[] {f[0], f[1], 1};
                    }
                    factors[k] = f;
                }
                return block(shape, factors);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("layout spec '" + spec + "' is malformed: write row:D1,D2,...[@HxW] or "
                    + "block:HxW[xC],HxW[xC],... with whole numbers", e);
        }
        throw new IllegalArgumentException("layout spec '" + spec + "' names unknown order '" + kind
                + "': start it with row: or block:");
    }

    private static int[] parseInts(String text, String separator) {
        String[] parts = text.split(separator, -1);
        int[] values = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Integer.parseInt(parts[i].trim());
        }
        return values;
    }

    private static void requireShape(ImageShape shape) {
        if (shape == null) {
            throw new IllegalArgumentException("image shape is null; pass the height, width and channels");
        }
    }

    private static int[] checkedDims(int[] dims, String what) {
        if (dims == null || dims.length < 2) {
            throw new IllegalArgumentException(what + " needs at least 2 core dimensions, got "
                    + (dims == null ? "none" : Arrays.toString(dims)) + "; for example 4,8,4,8,3");
        }
        for (int k = 0; k < dims.length; k++) {
            if (dims[k] < 1) {
                throw new IllegalArgumentException(what + " dimension " + (k + 1) + " is " + dims[k]
                        + ": every dimension must be at least 1");
            }
        }
        return dims.clone();
    }

    private static void requireFits(long product, int[] dims) {
        if (product > ImageShape.MAX_VALUES) {
            throw new IllegalArgumentException("layout " + join(dims) + " holds " + product
                    + " values, more than the limit of " + ImageShape.MAX_VALUES + "; resize the image first");
        }
    }

    private static long product(int[] values) {
        long p = 1;
        for (int v : values) {
            p *= v;
        }
        return p;
    }

    private static String join(int[] values) {
        StringJoiner j = new StringJoiner(",");
        for (int v : values) {
            j.add(Integer.toString(v));
        }
        return j.toString();
    }

    public ImageShape shape() {
        return shape;
    }

    public IndexOrder order() {
        return order;
    }

    public int paddedHeight() {
        return paddedHeight;
    }

    public int paddedWidth() {
        return paddedWidth;
    }

    /** Physical dimensions {@code j_1 .. j_n}; a copy. */
    public int[] dims() {
        return dims.clone();
    }

    /** Dimension {@code j_{k+1}} of core {@code k} (zero-based). */
    public int dim(int k) {
        return dims[k];
    }

    public int cores() {
        return dims.length;
    }

    /** Whether some tensor entries are padding, which no pixel fills. */
    public boolean padded() {
        return size > shape.values();
    }

    /** Number of tensor entries, {@code j_1 * .. * j_n}, padding included. */
    public int size() {
        return size;
    }

    /** Factor triple {@code {h, w, c}} of core {@code k} for a block layout; a copy. */
    public int[] blockFactors(int k) {
        if (blockFactors == null) {
            throw new IllegalStateException("a " + order.label() + " layout has no block factors");
        }
        return blockFactors[k].clone();
    }

    /**
     * Scatters an image into tensor order.
     *
     * @param pixels {@code H x W x C} row-major, {@link ImageShape#values()} long
     * @param tensor receives {@link #size()} values, zeros at padding positions
     */
    public void tensorize(float[] pixels, double[] tensor) {
        int[] map = positions();
        if (map == null) {
            int n = shape.values();
            for (int i = 0; i < n; i++) {
                tensor[i] = pixels[i];
            }
            Arrays.fill(tensor, n, size, 0.0);
            return;
        }
        for (int t = 0; t < size; t++) {
            int p = map[t];
            tensor[t] = p < 0 ? 0.0 : pixels[p];
        }
    }

    /**
     * Gathers an image back from tensor order, dropping the padding.
     *
     * @param tensor {@link #size()} values in tensor order
     * @param pixels receives {@code H x W x C} values, row-major
     */
    public void untensorize(double[] tensor, float[] pixels) {
        int[] map = positions();
        if (map == null) {
            int n = shape.values();
            for (int i = 0; i < n; i++) {
                pixels[i] = (float) tensor[i];
            }
            return;
        }
        for (int t = 0; t < size; t++) {
            int p = map[t];
            if (p >= 0) {
                pixels[p] = (float) tensor[t];
            }
        }
    }

    /** {@link #untensorize(double[], float[])} from single-precision tensor values. */
    public void untensorize(float[] tensor, float[] pixels) {
        int[] map = positions();
        if (map == null) {
            System.arraycopy(tensor, 0, pixels, 0, shape.values());
            return;
        }
        for (int t = 0; t < size; t++) {
            int p = map[t];
            if (p >= 0) {
                pixels[p] = tensor[t];
            }
        }
    }

    /**
     * For each tensor position, the index of its pixel in the HWC image or -1 for padding;
     * {@code null} when tensor and image orders coincide (row order without spatial padding).
     */
    private int[] positions() {
        if (order == IndexOrder.ROW && paddedHeight == shape.height() && paddedWidth == shape.width()) {
            return null;
        }
        int[] map = positions;
        if (map == null) {
            map = order == IndexOrder.ROW ? rowPositions() : blockPositions();
            positions = map;
        }
        return map;
    }

    private int[] rowPositions() {
        int channels = shape.channels();
        int[] map = new int[size];
        Arrays.fill(map, -1);
        for (int y = 0; y < shape.height(); y++) {
            for (int x = 0; x < shape.width(); x++) {
                int tensorBase = (y * paddedWidth + x) * channels;
                int imageBase = (y * shape.width() + x) * channels;
                for (int c = 0; c < channels; c++) {
                    map[tensorBase + c] = imageBase + c;
                }
            }
        }
        return map;
    }

    private int[] blockPositions() {
        int n = dims.length;
        int[] heightStride = new int[n];
        int[] widthStride = new int[n];
        int[] channelStride = new int[n];
        int hs = 1;
        int ws = 1;
        int cs = 1;
        for (int k = n - 1; k >= 0; k--) {
            heightStride[k] = hs;
            widthStride[k] = ws;
            channelStride[k] = cs;
            hs *= blockFactors[k][0];
            ws *= blockFactors[k][1];
            cs *= blockFactors[k][2];
        }
        int channels = shape.channels();
        int[] map = new int[size];
        for (int t = 0; t < size; t++) {
            int rest = t;
            int y = 0;
            int x = 0;
            int c = 0;
            for (int k = n - 1; k >= 0; k--) {
                int index = rest % dims[k];
                rest /= dims[k];
                int[] f = blockFactors[k];
                c += (index % f[2]) * channelStride[k];
                int spatial = index / f[2];
                x += (spatial % f[1]) * widthStride[k];
                y += (spatial / f[1]) * heightStride[k];
            }
            map[t] = y < shape.height() && x < shape.width() ? (y * shape.width() + x) * channels + c : -1;
        }
        return map;
    }

    /** The canonical spec string; {@link #parse} of it gives an equal layout. */
    public String spec() {
        if (order == IndexOrder.ROW) {
            String padding = paddedHeight == shape.height() && paddedWidth == shape.width()
                    ? "" : "@" + paddedHeight + "x" + paddedWidth;
            return "row:" + join(dims) + padding;
        }
        StringJoiner j = new StringJoiner(",", "block:", "");
        for (int[] f : blockFactors) {
            j.add(f[2] == 1 ? f[0] + "x" + f[1] : f[0] + "x" + f[1] + "x" + f[2]);
        }
        return j.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TensorLayout other)) {
            return false;
        }
        return shape.equals(other.shape) && order == other.order && paddedHeight == other.paddedHeight
                && paddedWidth == other.paddedWidth && Arrays.equals(dims, other.dims)
                && Arrays.deepEquals(blockFactors, other.blockFactors);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * shape.hashCode() + spec().hashCode()) + order.hashCode();
    }

    @Override
    public String toString() {
        return spec() + " for " + shape;
    }
}
