package dev.mmps.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.DerivedSource;
import dev.mmps.training.data.ImageSource;
import java.util.ArrayList;
import java.util.List;

/** A rebuilt source with its learned corrections added: the paper's {@code MMPS(S_i) + S~_i}. */
public final class CorrectedSource extends DerivedSource {

    private final Corrections corrections;

    /**
     * @throws ValidationException if the corrections are for another shape or lack an image of the source
     */
    public CorrectedSource(ImageSource base, Corrections corrections) {
        super(base);
        if (!corrections.shape().equals(base.shape())) {
            throw new ValidationException("corrections of " + corrections.shape() + " images cannot apply to "
                    + base.description() + " of " + base.shape() + "; learn them on this table with 'mmps distill'");
        }
        for (int i = 0; i < base.size(); i++) {
            if (!corrections.terms().containsKey(base.id(i))) {
                throw new ValidationException("the corrections lack image " + base.id(i) + " of "
                        + base.description() + "; learn them on this table with 'mmps distill'");
            }
        }
        this.corrections = corrections;
    }

    @Override
    public String description() {
        return base().description() + " with rank-" + corrections.rank() + " corrections";
    }

    /** The table's values and the corrections'. */
    @Override
    public long storedValues() {
        return base().storedValues() + corrections.valuesPerImage() * size();
    }

    @Override
    public NDArray images(NDManager manager, int[] indices) {
        List<String> ids = new ArrayList<>(indices.length);
        for (int i : indices) {
            ids.add(id(i));
        }
        return base().images(manager, indices).add(corrections.images(manager, ids));
    }
}
