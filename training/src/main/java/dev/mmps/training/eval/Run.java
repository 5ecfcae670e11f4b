package dev.mmps.training.eval;

/**
 * One finished student: what it was trained on and how it scored on the real test set.
 *
 * @param ratio the budget, 1 for the full original set
 * @param trainImages images in the training source (the subset's size for Random and K-Center)
 * @param storedValues values the training source stores for the images trained on: their pixels, or the
 *     table's factor values plus correction values (in proportion to the rows outside a validation split)
 * @param storedRatio {@code storedValues} over the pixels of the images trained on (paper Eq. 6)
 * @param storedBytes bytes on disk of what the student trained on: the original images' files (JPEG, PNG, or
 *     their share of an IDX file), or the factor and correction tables (in proportion, as the values); null in
 *     reports made before originals were counted
 * @param learningRate the starting learning rate chosen on the validation split, or null without one
 * @param keptEpoch the epoch whose parameters were tested, chosen on the validation split, or null without one
 *     (then the last)
 * @param validationAccuracy the tested parameters' accuracy on the validation split, or null without one
 */
public record Run(String method, double ratio, String architecture, int seed, double accuracy, int trainImages,
        long storedValues, double storedRatio, Long storedBytes, int epochs, double loss, double trainAccuracy,
        double seconds, Float learningRate, Integer keptEpoch, Double validationAccuracy) {

    /** Identifies a grid cell: a run with the same key is not repeated on resume. */
    public String key() {
        return key(method, ratio, architecture, seed);
    }

    public static String key(String method, double ratio, String architecture, int seed) {
        return method + "|" + EvaluationConfig.ratioText(ratio) + "|" + architecture + "|" + seed;
    }
}
