package dev.mmps.tensor.codec;

import dev.mmps.tensor.layout.LayoutRequest;

/**
 * Everything that decides the factors of an image: the layout, the truncation and the number of
 * MMPS stages. Small and immutable, so Spark can broadcast it.
 *
 * @param layout how images become tensors
 * @param truncation how much to keep
 * @param stages number of MPS stages {@code K}; 1 is a plain MPS, 2 the paper's MMPS
 */
public record CompressionSpec(LayoutRequest layout, Truncation truncation, int stages) implements java.io.Serializable {

    /** More stages than this is never useful: each one costs a full TT-SVD. */
    public static final int MAX_STAGES = 16;
    public static final int DEFAULT_STAGES = 2;
    public static final double DEFAULT_RATIO = 0.3;

    public CompressionSpec {
        if (layout == null) {
            throw new IllegalArgumentException("layout request is null; use LayoutRequest.auto()");
        }
        if (truncation == null) {
            throw new IllegalArgumentException("truncation is null; give a ratio, a max bond or an error target");
        }
        if (stages < 1 || stages > MAX_STAGES) {
            throw new IllegalArgumentException("stages=" + stages + " is invalid: use between 1 and " + MAX_STAGES
                    + " (1 is a single MPS, 2 the paper's MMPS)");
        }
    }

    /** Automatic layout, target ratio 0.3, two stages. */
    public static CompressionSpec defaults() {
        return new CompressionSpec(LayoutRequest.auto(), new Truncation.TargetRatio(DEFAULT_RATIO), DEFAULT_STAGES);
    }
}
