package dev.mmps.training.condense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Gradients with respect to images through a ConvNet of the filter counts the experts allow, repeated: every
 * call must give the same finite values. With filter counts that oneDNN pads to its channel blocks (4 or 8 on
 * an AVX-512 AMD EPYC), its convolution's backward pass to the input returned NaN or varying values on many
 * calls (BENCHMARKS.md, "Gradients with respect to images").
 */
class ImageGradientTest {

    /** Forty calls on the same inputs in one process: the same kernels, so the same float32 results. */
    private static final float SAME_CALL_TOLERANCE = 0f;

    @Test
    void repeatedImageGradientsAreFiniteAndEqual() {
        ConvNetFunction network = new ConvNetFunction(3, 32, 32, 10, Experts.FILTER_BLOCK, 1);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList parameters = network.initialise(manager, 5, DataType.FLOAT32);
            NDArray images = manager.randomUniform(0f, 1f, new Shape(10, 3, 32, 32));
            NDArray labels = manager.eye(10);
            TrajectoryMatcher matcher = new TrajectoryMatcher(network, TrajectoryMatcher.DEFAULT_PROBE);
            NDList target = network.initialise(manager, 6, DataType.FLOAT32);
            NDArray batch = manager.arange(0, 10, 1, DataType.INT64);
            float[] first = null;
            for (int call = 0; call < 40; call++) {
                try (NDManager step = manager.newSubManager()) {
                    NDArray x = images.duplicate();
                    x.attach(step);
                    TrajectoryMatcher.Gradient g = matcher.match(new TrajectoryMatcher.Segment(parameters, target),
                            new TrajectoryMatcher.Synthetic(x, labels, false), 0.01, java.util.List.of(batch));
                    float[] values = g.images().toFloatArray();
                    assertTrue(Arrays.stream(toDoubles(values)).allMatch(Double::isFinite), "call " + call);
                    if (first == null) {
                        first = values;
                    } else {
                        for (int i = 0; i < values.length; i += 97) {
                            assertEquals(first[i], values[i], SAME_CALL_TOLERANCE, "call " + call + ", value " + i);
                        }
                    }
                    g.end().close();
                }
            }
        }
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
