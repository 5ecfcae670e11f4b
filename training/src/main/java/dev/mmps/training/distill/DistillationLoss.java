package dev.mmps.training.distill;

import ai.djl.ndarray.NDArray;
import java.util.Locale;

/**
 * How far a teacher's logits on corrected images are from its logits on the real ones, per image: the mean
 * squared difference of the logits (the paper's Eq. 7), or the Kullback-Leibler divergence of the softened
 * distributions {@code KL(softmax(t / T) || softmax(s / T)) T^2} (Hinton et al.'s distillation loss, whose
 * {@code T^2} keeps gradients of comparable size across temperatures).
 *
 * @param temperature the softening {@code T} of the divergence; unused by the squared difference
 */
public record DistillationLoss(Kind kind, double temperature) {

    /** The two measures. */
    public enum Kind {
        MSE, KL;

        public static Kind parse(String text) {
            for (Kind k : values()) {
                if (k.name().equalsIgnoreCase(text.trim())) {
                    return k;
                }
            }
            throw new IllegalArgumentException("loss '" + text + "' is unknown: use mse (the squared difference of "
                    + "logits) or kl (the divergence of softened distributions, with a temperature)");
        }
    }

    public DistillationLoss {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature " + temperature + " is invalid: use a positive number, "
                    + "such as 4");
        }
    }

    /** Per image, the loss of {@code logits} against {@code target}, both {@code (B, K)}: a {@code (B)} array. */
    public NDArray perImage(NDArray logits, NDArray target) {
        if (kind == Kind.MSE) {
            return logits.sub(target).square().mean(new int[] {1});
        }
        NDArray teacher = target.div(temperature).logSoftmax(1);
        NDArray student = logits.div(temperature).logSoftmax(1);
        return teacher.exp().mul(teacher.sub(student)).sum(new int[] {1}).mul(temperature * temperature);
    }

    @Override
    public String toString() {
        return kind == Kind.MSE ? "mse" : String.format(Locale.ROOT, "kl at temperature %s", temperature);
    }
}
