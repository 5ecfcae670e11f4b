package dev.mmps.training.condense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;

/**
 * The matching loss of training trajectories and its gradient with respect to the synthetic images, their
 * labels and the student's learning rate (MTT, Cazenavette et al. 2022; the base of NSD and MTT-LSS).
 *
 * <p>A student starts at an expert's parameters {@code theta_0} after some epoch, takes {@code N} plain SGD
 * steps {@code theta_{k+1} = theta_k - lr g_k} on batches of synthetic images, where {@code g_k} is the
 * gradient of the cross-entropy at {@code theta_k}, and is scored against the expert {@code M} epochs later:
 * {@code l = |theta_N - theta*|^2 / |theta_0 - theta*|^2}.
 *
 * <p>The gradient is taken by reverse mode over the unrolled steps, one step at a time. With
 * {@code v_N = dl/dtheta_N}, going back from the last step: {@code dl/dx += -lr (dg_k/dx)^T v_{k+1}},
 * {@code dl/dlr += -<g_k, v_{k+1}>}, and {@code v_k = v_{k+1} - lr H_k v_{k+1}}, {@code H_k} the Hessian of the
 * step's loss. The two products with {@code v} are central differences of ordinary gradients along
 * {@code v} (as DARTS does for its Hessian-vector products): two forward and backward passes a step, and
 * memory for the {@code N + 1} parameter vectors and one step's graph, whatever {@code N}. The exact
 * products by a double backward ({@code create_graph}) were tried and dropped: DJL can only put such a
 * gradient on a leaf array's {@code grad}, which it cannot clear, and the reference cycle that leaves in
 * libtorch kept every step's graph alive (memory grew by 350 MB an iteration on a width-32 ConvNet).
 *
 * <p>The PyTorch engine only. Every array it makes is freed before it returns, apart from the results.
 */
public final class TrajectoryMatcher {

    /**
     * The default length {@code |e v|} of the parameter change each Hessian-vector product differences over:
     * small against the parameters' norm (tens for the ConvNets here), large against float32's rounding of
     * them. DARTS uses the same.
     */
    public static final double DEFAULT_PROBE = 0.01;

    private final ConvNetFunction network;
    private final double probe;

    /**
     * @param probe the length of the parameter change each Hessian-vector product differences over
     */
    public TrajectoryMatcher(ConvNetFunction network, double probe) {
        if (!(probe > 0) || !Double.isFinite(probe)) {
            throw new IllegalArgumentException("probe length " + probe + " is invalid: use a small positive number "
                    + "such as " + DEFAULT_PROBE);
        }
        this.network = network;
        this.probe = probe;
    }

    /**
     * Where the student starts and what it is matched against.
     *
     * @param start the expert's parameters after epoch {@code t}
     * @param target the expert's parameters after epoch {@code t + M}
     */
    public record Segment(NDList start, NDList target) {}

    /**
     * The synthetic training set of an unrolled run.
     *
     * @param images {@code (n, C, H, W)}
     * @param labels {@code (n, classes)} target distributions: one-hot for hard labels
     * @param learnLabels whether the labels' gradient is wanted (learned soft labels)
     */
    public record Synthetic(NDArray images, NDArray labels, boolean learnLabels) {}

    /**
     * The loss and its gradients, in the images' manager.
     *
     * @param loss the normalised distance of the student's end from the expert's, plus the guidance term if any
     * @param images {@code dl/dx}, the images' shape
     * @param labels {@code dl/dy}, or null when the labels do not learn
     * @param learningRate {@code dl/dlr}
     * @param end the student's parameters after the last step
     */
    public record Gradient(double loss, NDArray images, NDArray labels, double learningRate, NDList end) {}

    /**
     * NSD's real-data guidance: {@code weight} times the cross-entropy of the student's end on real images,
     * added to the matching loss.
     *
     * @param images real images {@code (N, C, H, W)}
     * @param targets their label distributions {@code (N, classes)}
     */
    public record Guidance(NDArray images, NDArray targets, double weight) {}

    /**
     * Unrolls {@code batches.size()} steps from the segment's start and differentiates the matching loss.
     *
     * @param batches the indices of the synthetic images of each step
     * @param learningRate the student's learning rate
     */
    public Gradient match(Segment segment, Synthetic synthetic, double learningRate, List<NDArray> batches) {
        return match(segment, synthetic, learningRate, batches, null, null);
    }

    /**
     * As {@link #match(Segment, Synthetic, double, List)}, with each step's batch transformed by its
     * {@code transforms} entry (none when null), and the loss and its gradient including {@code guidance}
     * (none when null): its term's gradient with respect to the student's end joins the matching loss's before
     * the reverse pass, so it reaches the images through the same unrolled steps.
     */
    public Gradient match(Segment segment, Synthetic synthetic, double learningRate, List<NDArray> batches,
            List<BatchTransform> transforms, Guidance guidance) {
        NDManager results = synthetic.images().getManager();
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try (NDManager work = results.newSubManager()) {
            List<NDList> trajectory = new ArrayList<>(batches.size() + 1);
            trajectory.add(copy(segment.start(), work));
            for (int k = 0; k < batches.size(); k++) {
                NDList theta = trajectory.get(trajectory.size() - 1);
                try (NDManager step = work.newSubManager()) {
                    NDList gradient = gradients(theta, synthetic, batches.get(k), transform(transforms, k), false,
                            step).parameters();
                    NDList next = new NDList(theta.size());
                    for (int i = 0; i < theta.size(); i++) {
                        next.add(theta.get(i).sub(gradient.get(i).mul(learningRate)));
                    }
                    trajectory.add(next);
                }
            }
            NDList end = trajectory.get(trajectory.size() - 1);
            NDList target = copy(segment.target(), work);
            double scale = squaredDistance(trajectory.get(0), target);
            double loss = squaredDistance(end, target) / scale;
            NDList v = new NDList(end.size());
            for (int i = 0; i < end.size(); i++) {
                v.add(end.get(i).sub(target.get(i)).mul(2 / scale));
            }
            if (guidance != null && guidance.weight() > 0) {
                try (NDManager step = work.newSubManager()) {
                    ConvNetFunction.Loss real = network.gradient(end, guidance.images(), guidance.targets(), step);
                    loss += guidance.weight() * real.value();
                    for (int i = 0; i < v.size(); i++) {
                        v.get(i).addi(real.gradient().get(i).mul(guidance.weight()));
                    }
                }
            }
            NDArray imageGradient = synthetic.images().zerosLike();
            imageGradient.attach(work);
            NDArray labelGradient = null;
            if (synthetic.learnLabels()) {
                labelGradient = synthetic.labels().zerosLike();
                labelGradient.attach(work);
            }
            double rateGradient = 0;
            for (int k = batches.size() - 1; k >= 0; k--) {
                try (NDManager step = work.newSubManager()) {
                    Backward back = secondOrder(trajectory.get(k), synthetic, batches.get(k), transform(transforms, k), v,
                            step);
                    rateGradient -= back.gradientDotV();
                    imageGradient.subi(back.images().mul(learningRate));
                    if (labelGradient != null) {
                        labelGradient.subi(back.labels().mul(learningRate));
                    }
                    NDList previous = new NDList(v.size());
                    for (int i = 0; i < v.size(); i++) {
                        previous.add(v.get(i).sub(back.hessianV().get(i).mul(learningRate)));
                    }
                    v.close();
                    v = previous;
                }
                if (k > 0) {
                    trajectory.get(k).close();
                }
            }
            imageGradient.attach(results);
            if (labelGradient != null) {
                labelGradient.attach(results);
            }
            end.attach(results);
            return new Gradient(loss, imageGradient, labelGradient, rateGradient, end);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /** One step's products, in the step's manager. */
    private record Backward(double gradientDotV, NDList hessianV, NDArray images, NDArray labels) {}

    /** First-order gradients of one step's loss, in the step's manager; images and labels null when not asked. */
    private record Gradients(NDList parameters, NDArray images, NDArray labels) {}

    /**
     * The gradient of a step's loss at {@code theta} with respect to the parameters and, when asked, the
     * synthetic images and labels (whole arrays, zero outside the batch).
     */
    private Gradients gradients(NDList theta, Synthetic synthetic, NDArray batch, BatchTransform transform,
            boolean data, NDManager step) {
        if (!data) {
            NDArray batchImages = synthetic.images().get(batch);
            NDArray batchLabels = synthetic.labels().get(batch);
            batchImages.attach(step);
            batchLabels.attach(step);
            batchImages = transform.apply(batchImages);
            return new Gradients(network.gradient(theta, batchImages, batchLabels, step).gradient(), null, null);
        }
        NDList phi = ConvNetFunction.leaves(theta, step);
        NDArray images = ConvNetFunction.leaf(synthetic.images(), step);
        NDArray labels = synthetic.learnLabels() ? ConvNetFunction.leaf(synthetic.labels(), step)
                : synthetic.labels();
        NDArray batchLabels = labels.get(batch);
        batchLabels.attach(step);
        NDArray loss = ConvNetFunction.crossEntropy(network.logits(phi, transform.apply(images.get(batch))),
                batchLabels);
        JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
        NDList gradient = new NDList(phi.size());
        for (NDArray p : phi) {
            gradient.add(p.getGradient());
        }
        return new Gradients(gradient, images.getGradient(), synthetic.learnLabels() ? labels.getGradient() : null);
    }

    /**
     * {@code <g, v>}, {@code H v} and {@code (dg/dx)^T v} (and for labels) at {@code theta}, by central
     * differences of first-order gradients along {@code v}: at {@code theta +- e v} with {@code e |v|} the
     * matcher's probe length, {@code H v ~ (g+ - g-) / 2e}, {@code (dg/dx)^T v ~ (dL+/dx - dL-/dx) / 2e} and
     * {@code g ~ (g+ + g-) / 2}, each with an error of order {@code e^2}.
     */
    private Backward secondOrder(NDList theta, Synthetic synthetic, NDArray batch, BatchTransform transform, NDList v,
            NDManager step) {
        double norm = Math.sqrt(squaredNorm(v));
        if (norm == 0) {
            NDList zeros = new NDList(v.size());
            for (NDArray value : v) {
                zeros.add(value.zerosLike());
            }
            zeros.attach(step);
            NDArray images = synthetic.images().zerosLike();
            images.attach(step);
            NDArray labels = null;
            if (synthetic.learnLabels()) {
                labels = synthetic.labels().zerosLike();
                labels.attach(step);
            }
            return new Backward(0, zeros, images, labels);
        }
        double e = probe / norm;
        Gradients plus = gradients(moved(theta, v, e, step), synthetic, batch, transform, true, step);
        Gradients minus = gradients(moved(theta, v, -e, step), synthetic, batch, transform, true, step);
        double dot = 0;
        NDList hessianV = new NDList(v.size());
        for (int i = 0; i < v.size(); i++) {
            NDArray gPlus = plus.parameters().get(i);
            NDArray gMinus = minus.parameters().get(i);
            dot += scalar(gPlus.add(gMinus).mul(v.get(i)).sum()) / 2;
            hessianV.add(gPlus.sub(gMinus).div(2 * e));
        }
        NDArray labels = synthetic.learnLabels() ? plus.labels().sub(minus.labels()).div(2 * e) : null;
        return new Backward(dot, hessianV, plus.images().sub(minus.images()).div(2 * e), labels);
    }

    private static BatchTransform transform(List<BatchTransform> transforms, int k) {
        return transforms == null ? BatchTransform.IDENTITY : transforms.get(k);
    }

    /** {@code theta + e v}, in the step's manager. */
    private static NDList moved(NDList theta, NDList v, double e, NDManager step) {
        NDList moved = new NDList(theta.size());
        for (int i = 0; i < theta.size(); i++) {
            NDArray change = v.get(i).mul(e);
            change.attach(step);
            NDArray m = theta.get(i).add(change);
            m.attach(step);
            moved.add(m);
        }
        return moved;
    }

    private static NDList copy(NDList values, NDManager manager) {
        NDList copies = new NDList(values.size());
        for (NDArray value : values) {
            NDArray c = value.duplicate();
            c.attach(manager);
            copies.add(c);
        }
        return copies;
    }

    /** {@code sum_i |a_i - b_i|^2}, the arrays of one manager. */
    static double squaredDistance(NDList a, NDList b) {
        double total = 0;
        for (int i = 0; i < a.size(); i++) {
            total += scalar(a.get(i).sub(b.get(i)).square().sum());
        }
        return total;
    }

    private static double squaredNorm(NDList values) {
        double total = 0;
        for (NDArray value : values) {
            total += scalar(value.square().sum());
        }
        return total;
    }

    private static double scalar(NDArray value) {
        return value.toType(DataType.FLOAT64, false).getDouble();
    }
}
