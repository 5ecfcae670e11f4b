package dev.mmps.training.eval;

import dev.mmps.settings.ValidationException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a student is trained on: the paper's Table 1 rows, and the correction applied to MPS for Table 3. */
public enum Method {
    ORIGINAL("original", "Original", null, false),
    RANDOM("random", "Random", null, false),
    KCENTER("kcenter", "K-Center", null, false),
    SVD("svd", "SVD", "svd", false),
    CP("cp", "CP", "cp", false),
    TUCKER("tucker", "Tucker", "tucker", false),
    MPS("mps", "MPS", "mps", false),
    MMPS("mmps", "MMPS", "mmps", false),
    MPS_KD("mps+kd", "MPS + correction", "mps", true),
    MMPS_KD("mmps+kd", "MMPS + correction", "mmps", true);

    private final String label;
    private final String title;
    private final String codec;
    private final boolean corrected;

    Method(String label, String title, String codec, boolean corrected) {
        this.label = label;
        this.title = title;
        this.codec = codec;
        this.corrected = corrected;
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

    public boolean corrected() {
        return corrected;
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
