package dev.mmps.images;

/**
 * One input that could not become a factor row: which step failed and why, in words a user can
 * act on. Becomes a row of the error table; never fails the job.
 */
public final class ImageFailure extends Exception {

    /** The pipeline steps an input passes through, in order. */
    public enum Step {
        READ, DECODE, PREPROCESS, COMPRESS;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Step step;

    public ImageFailure(Step step, String reason) {
        super(reason);
        this.step = step;
    }

    public ImageFailure(Step step, String reason, Throwable cause) {
        super(reason, cause);
        this.step = step;
    }

    /** The failure of a file with no bytes at all. */
    public static ImageFailure emptyFile() {
        return new ImageFailure(Step.READ, "file is empty (0 bytes)");
    }

    public Step step() {
        return step;
    }
}
