package dev.mmps.training.condense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * Adam's moment estimates for a list of arrays, kept as arrays so that a condensation run can save and resume
 * them exactly. {@link #step} moves the values in place: {@code m = b1 m + (1 - b1) g},
 * {@code v = b2 v + (1 - b2) g^2}, {@code x -= lr m^ / (sqrt(v^) + eps)} with the bias-corrected moments.
 */
final class AdamState {

    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPSILON = 1e-8;

    private final NDList first;
    private final NDList second;
    private long steps;

    private AdamState(NDList first, NDList second, long steps) {
        this.first = first;
        this.second = second;
        this.steps = steps;
    }

    /** Zero moments shaped like {@code values}, in {@code manager}. */
    static AdamState zeros(NDList values, NDManager manager) {
        NDList first = new NDList(values.size());
        NDList second = new NDList(values.size());
        for (NDArray value : values) {
            first.add(manager.zeros(value.getShape(), value.getDataType()));
            second.add(manager.zeros(value.getShape(), value.getDataType()));
        }
        return new AdamState(first, second, 0);
    }

    /** Moments as {@link #moments()} gave them, after {@code steps} steps. */
    static AdamState of(NDList moments, long steps) {
        int n = moments.size() / 2;
        return new AdamState(new NDList(moments.subList(0, n)), new NDList(moments.subList(n, 2 * n)), steps);
    }

    /** The first moments, then the second, for saving. */
    NDList moments() {
        NDList all = new NDList(first.size() * 2);
        all.addAll(first);
        all.addAll(second);
        return all;
    }

    long steps() {
        return steps;
    }

    /**
     * One step on {@code values} (in place) along {@code gradients}, both in the order the state was made, with
     * each array's own learning rate.
     */
    void step(NDList values, NDList gradients, double[] learningRates) {
        steps++;
        double correction1 = 1 - Math.pow(BETA1, steps);
        double correction2 = 1 - Math.pow(BETA2, steps);
        try (NDManager temporary = first.get(0).getManager().newSubManager()) {
            for (int i = 0; i < values.size(); i++) {
                NDArray g = gradients.get(i);
                first.get(i).muli(BETA1).addi(in(temporary, g.mul(1 - BETA1)));
                second.get(i).muli(BETA2).addi(in(temporary, g.square()).muli(1 - BETA2));
                NDArray denominator = in(temporary, second.get(i).div(correction2)).sqrt().addi(EPSILON);
                values.get(i).subi(in(temporary, first.get(i).mul(learningRates[i] / correction1)).divi(denominator));
            }
        }
    }

    private static NDArray in(NDManager temporary, NDArray array) {
        array.attach(temporary);
        return array;
    }
}
