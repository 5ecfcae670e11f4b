package dev.mmps.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.Batchifier;
import ai.djl.util.Progress;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * A DJL {@link Dataset} over any {@link ImageSource}, or a subset of it: each pass over the data (each
 * call of {@link #getData}) yields batches of {@code (B, C, H, W)} images and {@code (B)} labels, in a fresh
 * seeded shuffle when asked, augmented on the device when asked. Every batch lives in its own sub-manager
 * of the caller's, freed when the batch is closed, so memory stays flat over an epoch.
 */
public final class SourceDataset implements Dataset {

    /**
     * @param batchSize images per batch; the last batch of a pass may be smaller
     * @param shuffle whether each pass visits the images in a new random order
     * @param augmentation what to do to training images; {@link Augmentation#NONE} for evaluation
     * @param seed seeds the shuffles and the augmentation
     */
    public record Options(int batchSize, boolean shuffle, Augmentation augmentation, long seed) {

        public Options {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size " + batchSize + " is invalid: use 1 or more, for "
                        + "example 128");
            }
            if (augmentation == null) {
                throw new IllegalArgumentException("augmentation is null; pass Augmentation.NONE for none");
            }
        }

        /** In order, unaugmented: for evaluation and for rebuilding a table. */
        public static Options inOrder(int batchSize) {
            return new Options(batchSize, false, Augmentation.NONE, 0);
        }
    }

    private final ImageSource source;
    private final int[] indices;
    private final Options options;
    private final Random random;

    /** All images of a source. */
    public SourceDataset(ImageSource source, Options options) {
        this(source, null, options);
    }

    /**
     * @param indices the subset of the source's images to use, or null for all
     * @throws IllegalArgumentException if the subset is empty or names an image the source lacks
     */
    public SourceDataset(ImageSource source, int[] indices, Options options) {
        this.source = source;
        this.indices = indices == null ? java.util.stream.IntStream.range(0, source.size()).toArray() : indices.clone();
        this.options = options;
        this.random = new Random(options.seed());
        if (this.indices.length == 0) {
            throw new IllegalArgumentException("the subset of " + source.description() + " is empty; choose a ratio "
                    + "or a budget that keeps at least one image");
        }
        for (int i : this.indices) {
            if (i < 0 || i >= source.size()) {
                throw new IllegalArgumentException("image index " + i + " is outside [0, " + source.size() + ") of "
                        + source.description());
            }
        }
    }

    public ImageSource source() {
        return source;
    }

    /** Images in one pass. */
    public int size() {
        return indices.length;
    }

    public Options options() {
        return options;
    }

    @Override
    public void prepare(Progress progress) {
        // The source is read when it is made; nothing is left to prepare.
    }

    @Override
    public Iterable<Batch> getData(NDManager manager) {
        int[] order = indices.clone();
        if (options.shuffle()) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return () -> new BatchIterator(manager, order);
    }

    private final class BatchIterator implements Iterator<Batch> {
        private final NDManager manager;
        private final int[] order;
        private int next;

        BatchIterator(NDManager manager, int[] order) {
            this.manager = manager;
            this.order = order;
        }

        @Override
        public boolean hasNext() {
            return next < order.length;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int[] chosen = Arrays.copyOfRange(order, next, Math.min(order.length, next + options.batchSize()));
            next += chosen.length;
            NDManager batchManager = manager.newSubManager();
            NDArray images = options.augmentation().apply(source.images(batchManager, chosen), random);
            float[] labels = new float[chosen.length];
            for (int i = 0; i < chosen.length; i++) {
                labels[i] = source.label(chosen[i]);
            }
            NDList data = new NDList(images);
            NDList label = new NDList(batchManager.create(labels));
            return new Batch(batchManager, data, label, chosen.length, Batchifier.STACK, Batchifier.STACK, next,
                    order.length);
        }
    }
}
