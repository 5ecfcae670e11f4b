package dev.mmps.training.condense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmps.settings.ValidationException;
import dev.mmps.tensor.linalg.SymmetricEigen;
import dev.mmps.training.data.ImageSource;
import java.util.ArrayList;
import java.util.List;

/**
 * MTT-LSS's synthetic set: images sampled from low-rank spaces. Per channel {@code c}, shared dimension mappers
 * {@code M_h[c] (H, r)} and {@code M_w[c] (r, W)} and a basis {@code B_i[c] (r, r)} of each image give
 * {@code x_i[c] = M_h[c] B_i[c] M_w[c]}. An image costs {@code C r^2} values instead of {@code C H W}, so the
 * budget holds many more images than it would in pixels; with soft labels, each image also keeps learned
 * label logits ({@code classes} values), whose softmax is the distribution the student trains on.
 *
 * <p>One pair of mappers puts every image of the set in the same {@code r^2}-dimensional space per channel,
 * whatever the budget. With {@code subspaces} {@code S > 1} there are {@code S} pairs, {@code M_h[g, c]} and
 * {@code M_w[g, c]}, and the images of class {@code k} use pair {@code g = k S / classes}: the classes are
 * split into {@code S} groups of consecutive classes, each with its own space.
 *
 * <p>The images per class are the most that fit the budget; with the rank {@code auto}, the rank is the one
 * that keeps about {@link Settings#AUTO_IMAGES} images a class, so one setting serves IPC 1 and IPC 10. The
 * mappers start as the leading eigenvectors of the real starting images' row and column covariances (per
 * channel, over the images of their group), the bases as those images projected onto them, and the logits give
 * the image's class probability {@link #START_CONFIDENCE}.
 */
public record LowRankForm(Frame frame, int imagesPerClass, int rank, boolean softLabels, int subspaces)
        implements SyntheticForm {

    /** The probability the starting soft labels give an image's own class. */
    static final double START_CONFIDENCE = 0.9;

    public LowRankForm {
        if (subspaces < 1 || subspaces > frame.classes()) {
            throw new ValidationException("lss.subspaces " + subspaces + " is invalid: use 1 (one space for the whole "
                    + "set) up to the number of classes, " + frame.classes() + " (a space per class)");
        }
    }

    /** The form with one pair of mappers for the whole set. */
    public LowRankForm(Frame frame, int imagesPerClass, int rank, boolean softLabels) {
        this(frame, imagesPerClass, rank, softLabels, 1);
    }

    /**
     * MTT-LSS's sizes.
     *
     * @param rank {@code r}, the side of every basis; null for {@code auto}: the rank whose set keeps nearest
     *     {@code autoImages} images a class at the budget (see {@link #forBudget})
     * @param softLabels whether labels are learned (as logits) and stored
     * @param labelLearningRate Adam's step on the logits
     * @param windowStart the matching window's start: start epochs are drawn below
     *     {@code ceil(window-start * max-start-epoch)} at the first iteration, the bound rising linearly to
     *     {@code max-start-epoch} at the last (later, harder segments of the experts come in over the run)
     * @param subspaces pairs of mappers, each shared by the images of a group of consecutive classes; 1, or null
     *     in settings written before there was a choice, for one pair for the whole set
     * @param autoImages the images a class that the rank {@code auto} aims at, {@link #AUTO_IMAGES} when null;
     *     always null with a fixed rank, where it means nothing
     */
    public record Settings(Integer rank, boolean softLabels, double labelLearningRate, double windowStart,
            Integer subspaces, Integer autoImages) {

        /**
         * The images a class that the rank {@code auto} aims at by default. On Fashion-MNIST the best rank
         * measured kept 29 images a class at both budgets: rank 4 at IPC 1, rank 16 at IPC 10 (BENCHMARKS.md,
         * "MTT-LSS at IPC 10: the rank, not the number of spaces").
         */
        public static final int AUTO_IMAGES = 30;

        public Settings(int rank, boolean softLabels, double labelLearningRate, double windowStart) {
            this(rank, softLabels, labelLearningRate, windowStart, 1, null);
        }

        public Settings(int rank, boolean softLabels, double labelLearningRate, double windowStart,
                int subspaces) {
            this(rank, softLabels, labelLearningRate, windowStart, subspaces, null);
        }

        public Settings {
            subspaces = subspaces == null ? 1 : subspaces;
            ValidationException.check(autoImages == null || autoImages >= 1, "lss.auto-images " + autoImages
                    + " is invalid: use 1 or more images a class, such as " + AUTO_IMAGES);
            autoImages = rank != null ? null : autoImages == null ? AUTO_IMAGES : autoImages;
            ValidationException.check(subspaces >= 1, "lss.subspaces " + subspaces + " is invalid: use 1 or more "
                    + "(at most the number of classes)");
            ValidationException.check(rank == null || rank >= 1, "lss.rank " + rank + " is invalid: use 1 or more, "
                    + "such as 4, or auto");
            ValidationException.check(labelLearningRate >= 0 && Double.isFinite(labelLearningRate),
                    "lss.label-learning-rate " + labelLearningRate + " is invalid: use 0 or a small positive step");
            ValidationException.check(windowStart > 0 && windowStart <= 1, "lss.window-start " + windowStart
                    + " is invalid: use a fraction in (0, 1], such as 0.5 (1 keeps the window fixed)");
        }

        /** {@code rank} as written in a config: a number, or {@code auto}. */
        public static Integer parseRank(String text) {
            if (text.trim().equalsIgnoreCase("auto")) {
                return null;
            }
            try {
                return Integer.valueOf(text.trim());
            } catch (NumberFormatException e) {
                throw new ValidationException("lss.rank " + text + " is invalid: use a whole number such as 4, or "
                        + "auto (the rank that keeps about lss.auto-images images a class)");
            }
        }

        /** These sizes without learned labels, as MTT-LSS without soft labels is compared. */
        public Settings hardLabels() {
            return new Settings(rank, false, labelLearningRate, windowStart, subspaces, autoImages);
        }

        /**
         * These sizes with the rank fixed for a budget of {@code ipc} images per class: the rank itself, or
         * for {@code auto} the rank from 1 to the images' shorter side whose set keeps nearest
         * {@code autoImages} images a class (of two as near, the one that keeps more). A finished set's
         * manifest records the fixed rank, so it reads the same whatever this rule becomes.
         *
         * @throws ValidationException when no rank leaves room for an image of every class
         */
        public Settings forBudget(Frame frame, int ipc) {
            if (rank != null) {
                return this;
            }
            int best = 0;
            long bestImages = 0;
            for (int r = 1; r <= Math.min(frame.height(), frame.width()); r++) {
                long images = imagesPerClass(frame, ipc, r, softLabels, subspaces);
                if (images >= 1 && (best == 0 || Math.abs(images - autoImages) < Math.abs(bestImages - autoImages))) {
                    best = r;
                    bestImages = images;
                }
            }
            ValidationException.check(best > 0, "lss.rank auto finds no rank that stores an image of every class "
                    + "within the budget of " + frame.budget(ipc) + " values (ipc " + ipc + "); lower lss.subspaces, "
                    + "or raise ipc");
            return new Settings(best, softLabels, labelLearningRate, windowStart, subspaces, null);
        }
    }

    /** The form with as many images per class as the budget of {@code ipc} images per class holds. */
    static LowRankForm sized(Frame frame, int ipc, Settings settings) {
        Settings s = settings.forBudget(frame, ipc);
        int rank = s.rank();
        ValidationException.check(rank <= Math.min(frame.height(), frame.width()), "lss.rank " + rank
                + " exceeds the images' sides (" + frame.height() + "x" + frame.width() + "); use at most "
                + Math.min(frame.height(), frame.width()));
        long perClass = imagesPerClass(frame, ipc, rank, s.softLabels(), s.subspaces());
        ValidationException.check(perClass >= 1, "lss at rank " + rank + " stores "
                + new LowRankForm(frame, 1, rank, s.softLabels(), s.subspaces()).storedValues()
                + " values with one image per class, over the budget of " + frame.budget(ipc) + " (ipc " + ipc
                + "); lower lss.rank or lss.subspaces, or raise ipc");
        return new LowRankForm(frame, (int) Math.min(perClass, Integer.MAX_VALUE), rank, s.softLabels(),
                s.subspaces());
    }

    /** The images a class that fit the budget at this rank; below 1 when not even one does. */
    private static long imagesPerClass(Frame frame, int ipc, int rank, boolean softLabels, int subspaces) {
        LowRankForm one = new LowRankForm(frame, 1, rank, softLabels, subspaces);
        long perImage = one.valuesPerImage();
        long shared = one.storedValues() - (long) frame.classes() * perImage;
        return Math.floorDiv(frame.budget(ipc) - shared, frame.classes() * perImage);
    }

    /** What one image adds: its basis and, with soft labels, its logits. */
    long valuesPerImage() {
        return (long) frame.channels() * rank * rank + (softLabels ? frame.classes() : 0);
    }

    @Override
    public String sizes() {
        return "rank " + rank + (subspaces == 1 ? "" : ", " + subspaces + " pairs of mappers");
    }

    @Override
    public String method() {
        return "lss";
    }

    @Override
    public List<String> names() {
        return softLabels ? List.of("row-mappers", "column-mappers", "bases", "label-logits")
                : List.of("row-mappers", "column-mappers", "bases");
    }

    @Override
    public List<Shape> shapes() {
        int c = frame.channels();
        List<Shape> shapes = new ArrayList<>(subspaces == 1
                ? List.of(new Shape(c, frame.height(), rank), new Shape(c, rank, frame.width()))
                : List.of(new Shape(subspaces, c, frame.height(), rank), new Shape(subspaces, c, rank, frame.width())));
        shapes.add(new Shape(images(), c, rank, rank));
        if (softLabels) {
            shapes.add(new Shape(images(), frame.classes()));
        }
        return shapes;
    }

    @Override
    public NDArray images(NDList arrays) {
        if (subspaces == 1) {
            int c = frame.channels();
            return arrays.get(0).reshape(1, c, frame.height(), rank).matMul(arrays.get(2))
                    .matMul(arrays.get(1).reshape(1, c, rank, frame.width()));
        }
        NDArray groups = arrays.get(2).getManager().create(groupOfImages());
        return arrays.get(0).get(groups).matMul(arrays.get(2)).matMul(arrays.get(1).get(groups));
    }

    /** Only the rows' bases are contracted, each with its group's mappers. */
    @Override
    public NDArray images(NDList arrays, NDArray rows) {
        NDArray bases = arrays.get(2).get(rows);
        if (subspaces == 1) {
            return images(new NDList(arrays.get(0), arrays.get(1), bases));
        }
        NDArray groups = rows.getManager().create(groupOfImages()).get(rows);
        return arrays.get(0).get(groups).matMul(bases).matMul(arrays.get(1).get(groups));
    }

    /** The pair of mappers each image uses, image after image: its class's group. */
    long[] groupOfImages() {
        long[] groups = new long[images()];
        for (int i = 0; i < groups.length; i++) {
            groups[i] = group(i / imagesPerClass);
        }
        return groups;
    }

    /** The group of consecutive classes, of {@code subspaces}, that class {@code k} belongs to. */
    int group(int k) {
        return (int) ((long) k * subspaces / frame.classes());
    }

    @Override
    public NDArray labels(NDList arrays) {
        return softLabels ? arrays.get(3).softmax(1)
                : SyntheticForm.hardLabels(imagesPerClass, frame.classes(), arrays.get(0));
    }

    @Override
    public int startingImagesPerClass() {
        return imagesPerClass;
    }

    @Override
    public NDList initial(ImageSource train, long seed, NDManager manager) {
        int c = frame.channels();
        int h = frame.height();
        int w = frame.width();
        NDArray real = SyntheticForm.realImages(train, frame.classes(), imagesPerClass, seed, manager);
        float[] pixels = real.toFloatArray();
        long[] groups = groupOfImages();
        double[] rowCovariance = new double[subspaces * c * h * h];
        double[] columnCovariance = new double[subspaces * c * w * w];
        for (int i = 0; i < groups.length; i++) {
            for (int ch = 0; ch < c; ch++) {
                int at = (i * c + ch) * h * w;
                int space = (int) groups[i] * c + ch;
                accumulateGram(pixels, at, h, w, rowCovariance, space * h * h, true);
                accumulateGram(pixels, at, h, w, columnCovariance, space * w * w, false);
            }
        }
        float[] rowMappers = new float[subspaces * c * h * rank];
        float[] columnMappers = new float[subspaces * c * rank * w];
        for (int space = 0; space < subspaces * c; space++) {
            double[] u = leadingVectors(rowCovariance, space * h * h, h, rank);
            for (int i = 0; i < h * rank; i++) {
                rowMappers[space * h * rank + i] = (float) u[i];
            }
            double[] v = leadingVectors(columnCovariance, space * w * w, w, rank);
            for (int j = 0; j < w; j++) {
                for (int k = 0; k < rank; k++) {
                    columnMappers[space * rank * w + k * w + j] = (float) v[j * rank + k];
                }
            }
        }
        List<Shape> shapes = shapes();
        NDArray rowsArray = manager.create(rowMappers, shapes.get(0));
        NDArray columnsArray = manager.create(columnMappers, shapes.get(1));
        // B = M_h^T x M_w^T: the starting images projected onto their group's spaces.
        NDArray imageGroups = manager.create(groups);
        NDArray bases = rowsArray.reshape(subspaces, c, h, rank).get(imageGroups).transpose(0, 1, 3, 2).matMul(real)
                .matMul(columnsArray.reshape(subspaces, c, rank, w).get(imageGroups).transpose(0, 1, 3, 2));
        NDList arrays = new NDList(rowsArray, columnsArray, bases);
        if (softLabels) {
            int classes = frame.classes();
            double own = Math.log(START_CONFIDENCE * (classes - 1) / (1 - START_CONFIDENCE));
            arrays.add(SyntheticForm.hardLabels(imagesPerClass, classes, bases).mul(own));
        }
        return arrays;
    }

    /** Adds {@code x x^T} (rows) or {@code x^T x} (columns) of the {@code h x w} image at {@code at} to {@code g}. */
    private static void accumulateGram(float[] x, int at, int h, int w, double[] g, int gAt, boolean rows) {
        int n = rows ? h : w;
        for (int a = 0; a < n; a++) {
            for (int b = a; b < n; b++) {
                double s = 0;
                if (rows) {
                    for (int j = 0; j < w; j++) {
                        s += (double) x[at + a * w + j] * x[at + b * w + j];
                    }
                } else {
                    for (int i = 0; i < h; i++) {
                        s += (double) x[at + i * w + a] * x[at + i * w + b];
                    }
                }
                g[gAt + a * n + b] += s;
                if (a != b) {
                    g[gAt + b * n + a] += s;
                }
            }
        }
    }

    /** The {@code k} leading eigenvectors of the symmetric {@code n x n} matrix at {@code at}, row-major {@code n x k}. */
    private static double[] leadingVectors(double[] g, int at, int n, int k) {
        double[] matrix = new double[n * n];
        System.arraycopy(g, at, matrix, 0, n * n);
        SymmetricEigen eigen = new SymmetricEigen();
        if (!eigen.eigenvalues(matrix, n, new double[n])) {
            throw new IllegalStateException("the eigenvalue iteration did not converge on a " + n + "x" + n
                    + " covariance of the starting images");
        }
        double[] vectors = new double[n * k];
        eigen.leadingVectors(k, vectors);
        return vectors;
    }
}
