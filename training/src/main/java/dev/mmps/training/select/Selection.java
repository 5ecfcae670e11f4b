package dev.mmps.training.select;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.ImageSource;
import dev.mmps.training.data.SourceDataset;
import dev.mmps.training.model.Classifier;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subsets of a source's images at a storage budget. A factor table at ratio {@code rho} stores
 * {@code rho * N * H * W * C} values for {@code N} images; the same budget buys {@code round(rho * N)} whole
 * images, which is the size of both subsets (the paper's protocol).
 * <ul>
 *   <li>{@link #random}: a seeded uniform sample without replacement.
 *   <li>{@link #kCenter}: the greedy 2-approximation of the K-Center problem (Gonzalez; Sener and Savarese
 *       for active learning): start from a seeded random image, then repeatedly add the image farthest from
 *       every image chosen so far, in Euclidean distance between feature vectors. Distances are kept as
 *       {@code |x|^2 - 2 x.c + |c|^2}, so each step is one matrix-vector product on the device.
 * </ul>
 */
public final class Selection {

    private static final Logger LOG = LoggerFactory.getLogger(Selection.class);

    /** What K-Center measures distances on. */
    public enum Features {
        PIXELS, TEACHER;

        public static Features parse(String text) {
            return switch (text == null ? "" : text.trim().toLowerCase(Locale.ROOT)) {
                case "pixels" -> PIXELS;
                case "teacher" -> TEACHER;
                default -> throw new ValidationException("K-Center features '" + text + "' are unknown: use "
                        + "pixels or teacher");
            };
        }
    }

    private Selection() {}

    /**
     * Images a budget of {@code ratio} buys from {@code source}.
     *
     * @throws IllegalArgumentException if the ratio is outside (0, 1]
     * @throws ValidationException if it buys no image of the source
     */
    public static int budget(ImageSource source, double ratio) {
        if (!(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException("subset ratio " + ratio + " is invalid: use a value in (0, 1], e.g. 0.3");
        }
        int m = (int) Math.round(ratio * source.size());
        if (m < 1) {
            throw new ValidationException("ratio " + ratio + " of " + source.size() + " images keeps no image; "
                    + "use a larger ratio or more images");
        }
        return m;
    }

    /** {@code m} distinct indices of {@code [0, n)}, sorted, drawn uniformly. */
    public static int[] random(int n, int m, long seed) {
        if (m < 0 || m > n) {
            throw new IllegalArgumentException("cannot keep " + m + " of " + n + " images");
        }
        int[] all = java.util.stream.IntStream.range(0, n).toArray();
        Random random = new Random(seed);
        for (int i = 0; i < m; i++) {
            int j = i + random.nextInt(n - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] chosen = Arrays.copyOf(all, m);
        Arrays.sort(chosen);
        return chosen;
    }

    /**
     * A uniformly drawn subset whose images' bytes fit {@code budget}: the images in a seeded random order,
     * taken while their running total of {@code bytes} stays within the budget; every image when all fit.
     *
     * @return indices into {@code bytes}, sorted
     */
    public static int[] randomWithinBytes(long[] bytes, long budget, long seed) {
        int n = bytes.length;
        int[] order = java.util.stream.IntStream.range(0, n).toArray();
        Random random = new Random(seed);
        for (int i = 0; i < n; i++) {
            int j = i + random.nextInt(n - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        long total = 0;
        int m = 0;
        while (m < n && total + bytes[order[m]] <= budget) {
            total += bytes[order[m]];
            m++;
        }
        int[] chosen = Arrays.copyOf(order, m);
        Arrays.sort(chosen);
        return chosen;
    }

    /**
     * The greedy K-Center subset of {@code m} images.
     *
     * @param teacher the network whose features are measured, for {@link Features#TEACHER}; unused for pixels
     */
    public static int[] kCenter(ImageSource source, int m, Features features, Classifier teacher, long seed) {
        if (features == Features.TEACHER && teacher == null) {
            throw new IllegalArgumentException("K-Center on teacher features needs a teacher; train one, or set "
                    + "evaluation.kcenter.features = pixels");
        }
        if (m < 1 || m > source.size()) {
            throw new IllegalArgumentException("cannot keep " + m + " of the " + source.size() + " images of "
                    + source.description());
        }
        long start = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager(teacher != null ? teacher.runsOn() : Classifier.device())) {
            NDArray x = features == Features.PIXELS ? describe(source, manager, images -> images)
                    : describe(source, manager, teacher::features);
            int[] chosen = greedy(manager, x, m, seed);
            LOG.info("K-Center: {} of {} images of {} on {} features ({} values each) in {} s", m, source.size(),
                    source.description(), features.name().toLowerCase(Locale.ROOT), x.getShape().get(1),
                    String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
            return chosen;
        }
    }

    /**
     * One feature row per image, {@code (N, d)}, computed batch by batch and joined on the device: each
     * batch's rows are moved to {@code manager} before the batch is freed, and concatenated once.
     */
    private static NDArray describe(ImageSource source, NDManager manager, Function<NDArray, NDArray> feature) {
        SourceDataset all = new SourceDataset(source, SourceDataset.Options.inOrder(256));
        NDList parts = new NDList();
        for (var batch : all.getData(manager)) {
            try (batch) {
                NDArray rows = feature.apply(batch.getData().singletonOrThrow()).reshape(batch.getSize(), -1);
                rows.attach(manager);
                parts.add(rows);
            }
        }
        NDArray x = parts.size() == 1 ? parts.head() : NDArrays.concat(parts);
        if (x != parts.head()) {
            parts.close();
        }
        return x;
    }

    private static int[] greedy(NDManager manager, NDArray x, int m, long seed) {
        int n = (int) x.getShape().get(0);
        NDArray norms = x.square().sum(new int[] {1});
        int next = new Random(seed).nextInt(n);
        int[] chosen = new int[m];
        NDArray nearest = null;
        for (int k = 0; k < m; k++) {
            chosen[k] = next;
            try (NDManager step = manager.newSubManager()) {
                x.tempAttach(step);
                norms.tempAttach(step);
                NDArray distance = norms.sub(x.matMul(x.get(next)).mul(2)).add(norms.get(next));
                NDArray updated = distance;
                if (nearest != null) {
                    nearest.tempAttach(step);
                    updated = nearest.minimum(distance);
                    nearest.close();
                }
                // A chosen image stays out of reach: rounding in |x|^2 - 2 x.c + |c|^2 leaves its own distance
                // near zero rather than at it, and duplicates of it would otherwise tie with it.
                updated.set(new ai.djl.ndarray.index.NDIndex(next), -1f);
                next = (int) updated.argMax().getLong();
                updated.attach(manager);
                nearest = updated;
            }
        }
        Arrays.sort(chosen);
        return chosen;
    }
}
