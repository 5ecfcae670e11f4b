package dev.mmps.training.condense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.ImageSource;
import java.util.List;
import java.util.Random;

/**
 * Neural Spectral Decomposition's synthetic set (NSD, Eq. 1-3): spectrum tensors combined pairwise with kernel
 * sets. A spectrum tensor {@code T} is {@code (t1, C, t3, t4)}, a stack of {@code t1} small images; a kernel set
 * holds one matrix per tensor dimension (NSD's separable kernel, Eq. 2): {@code A (u1, t1)} mixing the stack
 * into {@code u1} images, {@code P (C, C)} mixing channels, {@code L (H, t3)} and {@code R (t4, W)} mapping rows
 * and columns to the image's size. Tensor {@code T} and kernel set {@code j} make the {@code u1} images
 * {@code x[a, c] = sum_b A[a, b] sum_k P[c, k] L T[b, k] R}.
 *
 * <p>Every class has {@code tensors} spectrum tensors; the {@code kernels} kernel sets are shared by all
 * classes, so a class has {@code tensors * kernels * u1} images, class {@code c}'s tensor {@code i} with kernel
 * set {@code j} giving images {@code (i * kernels + j) * u1} to {@code + u1 - 1} of the class. As in NSD,
 * {@code t3} and {@code t4} are a fraction {@code side} of the image's sides (rounded up; NSD takes half at IPC 1
 * and 10, seven eighths above) and {@code t1 < u1}: here {@code u1 = expansion * t1}, with {@code t1} the largest
 * that keeps tensors and kernels within the budget.
 *
 * <p>NSD starts from random values; a short CPU run does better from real images, so here the tensors start
 * as real images shrunk to {@code t3 x t4}, {@code L} and {@code R} as bilinear enlargement back to the
 * image's size, {@code P} as the identity and {@code A} as random mixtures (the first kernel set also passing
 * each shrunk image through unchanged).
 */
public record SpectralForm(Frame frame, int tensors, int kernels, int depth, int expanded, int rows, int columns)
        implements SyntheticForm {

    /**
     * NSD's sizes.
     *
     * @param tensors spectrum tensors per class
     * @param kernels kernel sets, shared by the classes
     * @param expansion images a kernel set makes from each image of a tensor's stack ({@code u1 / t1})
     * @param guidance the weight of the real-data guidance loss (cross-entropy of the student's end on a real
     *     batch) added to the matching loss
     * @param side {@code t3 / H} and {@code t4 / W}, in (0, 1]; null in settings written before there was a
     *     choice, for {@link #HALF}
     */
    public record Settings(int tensors, int kernels, int expansion, double guidance, Double side) {

        /** NSD's spectrum side at IPC 1 and 10: half the image's. */
        public static final double HALF = 0.5;

        public Settings(int tensors, int kernels, int expansion, double guidance) {
            this(tensors, kernels, expansion, guidance, HALF);
        }

        public Settings {
            side = side == null ? HALF : side;
            ValidationException.check(side > 0 && side <= 1, "nsd.side " + side + " is invalid: use a fraction of "
                    + "the image's sides in (0, 1], such as 0.5 (NSD's at IPC 1 and 10) or 0.875 (its above)");
            ValidationException.check(tensors >= 1 && kernels >= 1, "nsd needs at least 1 spectrum tensor per "
                    + "class and 1 kernel set, not " + tensors + " and " + kernels);
            ValidationException.check(expansion >= 2, "nsd.expansion " + expansion + " is invalid: kernels must "
                    + "make more images than a tensor stacks (t1 < u1), so use 2 or more");
            ValidationException.check(guidance >= 0 && Double.isFinite(guidance), "nsd.guidance " + guidance
                    + " is invalid: use 0 (none) or a positive weight such as 0.1");
        }
    }

    /** The form with the deepest stacks that fit the budget of {@code ipc} images per class. */
    static SpectralForm sized(Frame frame, int ipc, Settings s) {
        int rows = spectrumSide(frame.height(), s.side());
        int columns = spectrumSide(frame.width(), s.side());
        long budget = frame.budget(ipc);
        SpectralForm best = null;
        for (int depth = 1; ; depth++) {
            SpectralForm form = new SpectralForm(frame, s.tensors(), s.kernels(), depth, s.expansion() * depth, rows,
                    columns);
            if (form.storedValues() > budget) {
                break;
            }
            best = form;
        }
        if (best == null) {
            SpectralForm smallest = new SpectralForm(frame, s.tensors(), s.kernels(), 1, s.expansion(), rows,
                    columns);
            throw new ValidationException("nsd with " + s.tensors() + " spectrum tensors per class and "
                    + s.kernels() + " kernel sets stores " + smallest.storedValues() + " values even with stacks "
                    + "of one image, over the budget of " + budget + " (ipc " + ipc + "); lower nsd.tensors or "
                    + "nsd.kernels, or raise ipc");
        }
        return best;
    }

    /**
     * {@code t3} of an image side: the fraction of it, rounded up; a product a rounding error above a whole
     * number (0.1 x 30 = 3.0000000000000004) counts as that number.
     */
    static int spectrumSide(int size, double side) {
        return Math.max(1, (int) Math.ceil(side * size - 1e-9));
    }

    /** Whether the spectrum tensors are half the images' sides, as every set had before {@code side}. */
    boolean halfSides() {
        return rows == spectrumSide(frame.height(), Settings.HALF)
                && columns == spectrumSide(frame.width(), Settings.HALF);
    }

    @Override
    public String sizes() {
        return String.format(java.util.Locale.ROOT, "%d tensor%s of %dx%dx%d a class, %d kernel set%s, %d images each",
                tensors, tensors == 1 ? "" : "s", depth, rows, columns, kernels, kernels == 1 ? "" : "s", expanded);
    }

    @Override
    public String method() {
        return "nsd";
    }

    @Override
    public List<String> names() {
        return List.of("spectrum", "mix", "channels", "rows", "columns");
    }

    @Override
    public List<Shape> shapes() {
        int c = frame.channels();
        return List.of(new Shape((long) frame.classes() * tensors, depth, c, rows, columns),
                new Shape(kernels, expanded, depth), new Shape(kernels, c, c),
                new Shape(kernels, frame.height(), rows), new Shape(kernels, columns, frame.width()));
    }

    @Override
    public int imagesPerClass() {
        return tensors * kernels * expanded;
    }

    @Override
    public boolean softLabels() {
        return false;
    }

    @Override
    public NDArray images(NDList arrays) {
        int c = frame.channels();
        int h = frame.height();
        int w = frame.width();
        long stacks = (long) frame.classes() * tensors;
        NDArray spectrum = arrays.get(0).reshape(1, stacks * depth * c, rows, columns);
        // (K, 1, H, t3) @ (1, S t1 C, t3, t4) @ (K, 1, t4, W): every stacked image enlarged by every kernel set.
        NDArray enlarged = arrays.get(3).reshape(kernels, 1, h, rows).matMul(spectrum)
                .matMul(arrays.get(4).reshape(kernels, 1, columns, w));
        NDArray mixedChannels = arrays.get(2).reshape(kernels, 1, 1, c, c)
                .matMul(enlarged.reshape(kernels, stacks, depth, c, (long) h * w));
        NDArray mixedStack = arrays.get(1).reshape(kernels, 1, expanded, depth)
                .matMul(mixedChannels.reshape(kernels, stacks, depth, (long) c * h * w));
        // (K, S, u1, CHW) -> (S, K, u1, CHW): class by class, tensor by tensor, kernel set by kernel set.
        return mixedStack.transpose(1, 0, 2, 3).reshape(images(), c, h, w);
    }

    @Override
    public NDArray labels(NDList arrays) {
        return SyntheticForm.hardLabels(imagesPerClass(), frame.classes(), arrays.get(0));
    }

    @Override
    public int startingImagesPerClass() {
        return tensors * depth;
    }

    @Override
    public NDList initial(ImageSource train, long seed, NDManager manager) {
        int c = frame.channels();
        int h = frame.height();
        int w = frame.width();
        long stacks = (long) frame.classes() * tensors;
        float[] up = bilinear(h, rows);
        float[] across = transpose(bilinear(w, columns), w, columns);
        NDArray real = SyntheticForm.realImages(train, frame.classes(), tensors * depth, seed, manager);
        NDArray shrinkRows = manager.create(shrinking(up, h, rows), new Shape(rows, h));
        NDArray shrinkColumns = manager.create(transpose(shrinking(transpose(across, columns, w), w, columns),
                columns, w), new Shape(w, columns));
        NDArray spectrum = shrinkRows.matMul(real).matMul(shrinkColumns).reshape(stacks, depth, c, rows, columns);
        Random random = new Random(seed ^ 0x5DEECE66DL);
        float[] mix = new float[kernels * expanded * depth];
        float[] channels = new float[kernels * c * c];
        float[] rowMaps = new float[kernels * h * rows];
        float[] columnMaps = new float[kernels * columns * w];
        for (int j = 0; j < kernels; j++) {
            for (int a = 0; a < expanded; a++) {
                int at = (j * expanded + a) * depth;
                if (j == 0 && a < depth) {
                    mix[at + a] = 1;
                } else {
                    randomMixture(random, mix, at, depth);
                }
            }
            for (int k = 0; k < c; k++) {
                channels[j * c * c + k * c + k] = 1;
            }
            System.arraycopy(up, 0, rowMaps, j * h * rows, h * rows);
            System.arraycopy(across, 0, columnMaps, j * columns * w, columns * w);
        }
        return new NDList(spectrum, manager.create(mix, new Shape(kernels, expanded, depth)),
                manager.create(channels, new Shape(kernels, c, c)), manager.create(rowMaps, new Shape(kernels, h, rows)),
                manager.create(columnMaps, new Shape(kernels, columns, w)));
    }

    /** Weights on the simplex, drawn uniformly, into {@code out[at, at + n)}. */
    private static void randomMixture(Random random, float[] out, int at, int n) {
        double total = 0;
        double[] e = new double[n];
        for (int i = 0; i < n; i++) {
            e[i] = -Math.log(1 - random.nextDouble());
            total += e[i];
        }
        for (int i = 0; i < n; i++) {
            out[at + i] = (float) (e[i] / total);
        }
    }

    /**
     * The {@code (size, small)} matrix, row-major, that enlarges a signal of {@code small} samples to
     * {@code size} by linear interpolation between sample centres (torch's bilinear with unaligned corners).
     */
    static float[] bilinear(int size, int small) {
        float[] m = new float[size * small];
        for (int i = 0; i < size; i++) {
            double source = Math.max(0, (i + 0.5) * small / size - 0.5);
            int p0 = Math.min((int) Math.floor(source), small - 1);
            int p1 = Math.min(p0 + 1, small - 1);
            double w1 = source - p0;
            m[i * small + p0] += (float) (1 - w1);
            m[i * small + p1] += (float) w1;
        }
        return m;
    }

    /** The {@code (small, size)} shrinking that averages, per small sample, what enlarging spreads from it. */
    private static float[] shrinking(float[] enlarging, int size, int small) {
        float[] m = new float[small * size];
        for (int p = 0; p < small; p++) {
            double total = 0;
            for (int i = 0; i < size; i++) {
                total += enlarging[i * small + p];
            }
            for (int i = 0; i < size; i++) {
                m[p * size + i] = (float) (enlarging[i * small + p] / total);
            }
        }
        return m;
    }

    private static float[] transpose(float[] m, int rows, int columns) {
        float[] t = new float[m.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < columns; j++) {
                t[j * rows + i] = m[i * columns + j];
            }
        }
        return t;
    }
}
