package dev.mmps.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmps.settings.ValidationException;
import dev.mmps.table.FactorTableReader;
import dev.mmps.table.Precision;
import java.util.List;

/** Rebuilds the images of a batch of factor rows of one codec and shape on the DJL device. */
interface Rebuild {

    /** The images as a float32 {@code (B, C, H, W)} array on the manager's device. */
    NDArray images(NDManager manager, List<FactorTableReader.Entry> rows);

    /**
     * A stored factor's values, at the row's precision.
     *
     * @throws ValidationException if the blob is not what the row's precision stores (a damaged table)
     */
    static float[] decode(FactorTableReader.Entry row, byte[] blob) {
        try {
            return Precision.decode(row.dtype(), blob);
        } catch (IllegalArgumentException e) {
            throw new ValidationException("the factor row " + row.id() + " is damaged (" + e.getMessage() + "); check "
                    + "its table with 'mmps inspect' and compress the images again", e);
        }
    }
}
