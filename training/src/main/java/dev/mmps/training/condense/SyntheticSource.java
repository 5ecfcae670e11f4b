package dev.mmps.training.condense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.training.data.ImageSource;
import java.nio.file.Path;
import java.util.List;

/**
 * A synthetic set as a source like any other, for the DJL Dataset: its stored arrays are read once and kept in
 * a manager of their own; each batch is rebuilt from them on the batch's device by the method's formula, only
 * the images asked for (for {@code lss}, only their bases are contracted). Labels are the images' classes (for
 * learned soft labels, the most likely one; trainers that use the distributions read
 * {@link SyntheticTable.Contents#labels()}). Close it to free the arrays.
 */
public final class SyntheticSource implements ImageSource, AutoCloseable {

    private final Path folder;
    private final NDManager arraysManager;
    private final SyntheticTable.Contents contents;
    private final int[] labels;

    /** Reads the finished set in {@code folder}, keeping its arrays on {@code manager}'s device. */
    public SyntheticSource(Path folder, NDManager manager) {
        this.folder = folder;
        this.arraysManager = manager.newSubManager();
        this.contents = SyntheticTable.read(folder, arraysManager);
        try (NDManager temporary = arraysManager.newSubManager()) {
            NDArray distributions = contents.labels();
            distributions.attach(temporary);
            long[] best = distributions.argMax(1).toType(DataType.INT64, false).toLongArray();
            labels = new int[best.length];
            for (int i = 0; i < best.length; i++) {
                labels[i] = (int) best[i];
            }
        }
    }

    public SyntheticTable.Contents contents() {
        return contents;
    }

    @Override
    public String description() {
        return "synthetic set " + folder + " (" + contents.manifest().method() + ")";
    }

    @Override
    public ImageShape shape() {
        SyntheticTable.Manifest m = contents.manifest();
        return new ImageShape(m.height(), m.width(), m.channels());
    }

    @Override
    public List<String> classes() {
        return contents.manifest().classes();
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public String id(int index) {
        return contents.manifest().method() + "#" + index;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public long storedValues() {
        return contents.manifest().storedValues();
    }

    @Override
    public NDArray images(NDManager manager, int[] indices) {
        long[] rows = new long[indices.length];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = indices[i];
        }
        try (NDManager temporary = arraysManager.newSubManager(manager.getDevice())) {
            NDList arrays = new NDList(contents.arrays().size());
            for (NDArray a : contents.arrays()) {
                NDArray moved = a.toDevice(manager.getDevice(), false);
                if (moved == a) {
                    // Results of operations join their first operand's manager: borrowing the stored arrays
                    // into the temporary one frees every intermediate with it, and gives them back after.
                    a.tempAttach(temporary);
                } else {
                    moved.attach(temporary);
                }
                arrays.add(moved);
            }
            NDArray index = temporary.create(rows).toDevice(manager.getDevice(), false);
            NDArray batch = contents.form().images(arrays, index);
            batch.attach(manager);
            return batch;
        }
    }

    @Override
    public void close() {
        arraysManager.close();
    }
}
