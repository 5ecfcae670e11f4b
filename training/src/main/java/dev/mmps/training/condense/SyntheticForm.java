package dev.mmps.training.condense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.ImageSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * How a synthetic training set is stored: the arrays that learn and are kept, and how they rebuild the images
 * {@code (n, C, H, W)} and the label distributions {@code (n, classes)} a student trains on. The images come
 * class by class: the first {@link #imagesPerClass()} are of class 0, and so on.
 *
 * <p>{@link #images} and {@link #labels} are made of differentiable array operations, so that the gradient of
 * the matching loss with respect to the images reaches the stored arrays by one ordinary backward pass.
 */
public sealed interface SyntheticForm permits PixelForm, SpectralForm, LowRankForm {

    /** The images' frame: classes and the shape of one image. */
    record Frame(int classes, int channels, int height, int width) {

        /** Values of one image. */
        long pixels() {
            return (long) channels * height * width;
        }

        /**
         * The budget of {@code ipc} images per class, plus the one learned learning rate that every
         * trajectory-matching method keeps beside its images (NSD's Eq. 3 with the rate counted).
         */
        long budget(int ipc) {
            return (long) ipc * classes * pixels() + 1;
        }
    }

    /** {@code mtt}, {@code nsd} or {@code lss}. */
    String method();

    Frame frame();

    /** The stored arrays' names, in the order {@link #images} takes them. */
    List<String> names();

    /** The stored arrays' shapes, in the same order. */
    List<Shape> shapes();

    int imagesPerClass();

    /** The sizes a reader of a report needs to tell this set from another of its method, in a few words. */
    String sizes();

    /** Whether one of the arrays is the images' label logits (learned soft labels). */
    boolean softLabels();

    /** The images the arrays rebuild, {@code (n, C, H, W)}, in the arrays' manager. */
    NDArray images(NDList arrays);

    /** The images at {@code rows} (int64 indices), in the arrays' manager: by default all, then those rows. */
    default NDArray images(NDList arrays, NDArray rows) {
        return images(arrays).get(rows);
    }

    /** The label distributions of the images, {@code (n, classes)}, in the arrays' manager. */
    NDArray labels(NDList arrays);

    /** The real images of each class that {@link #initial} starts from. */
    int startingImagesPerClass();

    /** The arrays at the start of learning, made from real images of {@code train} drawn with {@code seed}. */
    NDList initial(ImageSource train, long seed, NDManager manager);

    default int images() {
        return imagesPerClass() * frame().classes();
    }

    /** Every stored value: the arrays and the learned learning rate. */
    default long storedValues() {
        return shapes().stream().mapToLong(Shape::size).sum() + 1;
    }

    /** The form {@code method} takes under the budget of {@code ipc} images per class. */
    static SyntheticForm of(Condensation.Settings s, Frame frame) {
        SyntheticForm form = switch (s.method()) {
            case "mtt" -> new PixelForm(frame, s.ipc());
            case "nsd" -> SpectralForm.sized(frame, s.ipc(), s.nsd());
            case "lss" -> LowRankForm.sized(frame, s.ipc(), s.lss());
            default -> throw new ValidationException("method " + s.method() + " is unknown: use mtt, nsd or lss");
        };
        long budget = frame.budget(s.ipc());
        ValidationException.check(form.storedValues() <= budget, s.method() + " would store " + form.storedValues()
                + " values, over the budget of " + budget + " (ipc " + s.ipc() + "); lower its sizes or raise ipc");
        return form;
    }

    /**
     * One-hot distributions of {@code perClass} images of each class in turn, {@code (n, classes)}, of the type
     * and in the manager of {@code like}.
     */
    static NDArray hardLabels(int perClass, int classes, NDArray like) {
        long[] labels = new long[perClass * classes];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i / perClass;
        }
        return like.getManager().create(labels).oneHot(classes).toType(like.getDataType(), false);
    }

    /** {@code perClass} real images of every class, class by class, drawn with {@code seed}. */
    static NDArray realImages(ImageSource train, int classes, int perClass, long seed, NDManager manager) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < train.size(); i++) {
            byClass.get(train.label(i)).add(i);
        }
        Random random = new Random(seed);
        int[] chosen = new int[perClass * classes];
        for (int c = 0; c < classes; c++) {
            List<Integer> members = byClass.get(c);
            Collections.shuffle(members, random);
            for (int k = 0; k < perClass; k++) {
                chosen[c * perClass + k] = members.get(k);
            }
        }
        return train.images(manager, chosen);
    }
}
