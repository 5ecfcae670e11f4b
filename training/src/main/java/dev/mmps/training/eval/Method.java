package dev.mmps.training.eval;

import dev.mmps.settings.ValidationException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a student is trained on: the paper's Table 1 rows, and Eq. 7's correction applied to MPS and MMPS for
 * Table 3, in both forms: per-image terms ({@code +kd}) and one layer for the whole table ({@code +layer}).
 */
public enum Method {
    ORIGINAL("original", "Original", null, Correction.NONE),
    RANDOM("random", "Random", null, Correction.NONE),
    KCENTER("kcenter", "K-Center", null, Correction.NONE),
    /** A random subset of original images as big, in their files' bytes, as the MMPS table at the ratio. */
    RANDOM_BYTES("random-bytes", "Random (MMPS table's bytes)", null, Correction.NONE),
    SVD("svd", "SVD", "svd", Correction.NONE),
    CP("cp", "CP", "cp", Correction.NONE),
    TUCKER("tucker", "Tucker", "tucker", Correction.NONE),
    MPS("mps", "MPS", "mps", Correction.NONE),
    MMPS("mmps", "MMPS", "mmps", Correction.NONE),
    MPS_KD("mps+kd", "MPS + correction", "mps", Correction.TERMS),
    MMPS_KD("mmps+kd", "MMPS + correction", "mmps", Correction.TERMS),
    MPS_LAYER("mps+layer", "MPS + correction layer", "mps", Correction.LAYER),
    MMPS_LAYER("mmps+layer", "MMPS + correction layer", "mmps", Correction.LAYER);

    /** Which form of Eq. 7's correction the table gets. */
    public enum Correction {
        NONE, TERMS, LAYER
    }

    private final String label;
    private final String title;
    private final String codec;
    private final Correction correction;

    Method(String label, String title, String codec, Correction correction) {
        this.label = label;
        this.title = title;
        this.codec = codec;
        this.correction = correction;
    }

    public String label() {
        return label;
    }

    /** The row name in the Markdown tables. */
    public String title() {
        return title;
    }

    /** The codec whose factor table the student reads, or null for originals and subsets. */
    public String codec() {
        return codec;
    }

    public Correction correction() {
        return correction;
    }

    /** Whether the method depends on the ratio (everything but the full original set). */
    public boolean usesRatio() {
        return this != ORIGINAL;
    }

    public static Method parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (Method m : values()) {
            if (m.label.equals(t)) {
                return m;
            }
        }
        throw new ValidationException("method '" + text + "' is unknown: use one of "
                + Arrays.stream(values()).map(Method::label).collect(Collectors.joining(", ")));
    }
}
