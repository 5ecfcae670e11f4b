package dev.mmps.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmps.table.FactorTableReader;
import java.util.List;

/** Rebuilds the images of a batch of factor rows of one codec and shape on the DJL device. */
interface Rebuild {

    /** The images as a float32 {@code (B, C, H, W)} array on the manager's device. */
    NDArray images(NDManager manager, List<FactorTableReader.Entry> rows);
}
