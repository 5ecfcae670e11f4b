package dev.mmps.training.eval;

import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.ImageSource;
import dev.mmps.training.data.SubsetSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Original training images held out to choose a student's learning rate and checkpoint, the same images for
 * every method: drawn from the training set by ids, class by class in proportion to the classes' sizes, from
 * a seed. Students never train on them, whatever their source: subsets are drawn from the rest, and a factor
 * table's rows of held-out images are left out.
 *
 * @param training indices of the training set's images students may train on, ascending
 * @param validation indices of the held-out images, ascending
 */
public record ValidationSplit(int[] training, int[] validation, Set<String> validationIds) {

    /**
     * Holds out {@code round(fraction x N)} images: {@code floor(fraction x n_c)} of each class's {@code n_c},
     * the remainder going to the classes with the largest fractional parts (the earlier class on ties), each
     * class's share drawn uniformly from a shuffle seeded by {@code seed}.
     *
     * @throws ValidationException if the fraction leaves no image for either part
     */
    public static ValidationSplit of(ImageSource train, double fraction, long seed) {
        ValidationException.check(fraction > 0 && fraction < 1, "evaluation.validation.fraction=" + fraction
                + " is invalid: hold out a fraction in (0, 1) of the training images, e.g. 0.1, or 0 for no split");
        int classes = train.classes().size();
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < train.size(); i++) {
            byClass.get(train.label(i)).add(i);
        }
        int total = (int) Math.round(fraction * train.size());
        ValidationException.check(total >= 1 && total < train.size(), "evaluation.validation.fraction=" + fraction
                + " of " + train.size() + " training images holds out " + total + "; choose a fraction that keeps "
                + "at least one image on each side");
        int[] share = new int[classes];
        Integer[] order = new Integer[classes];
        int given = 0;
        for (int c = 0; c < classes; c++) {
            share[c] = (int) Math.floor(fraction * byClass.get(c).size());
            given += share[c];
            order[c] = c;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer c) -> -(fraction * byClass.get(c).size() - share[c])));
        for (int k = 0; given < total; k++) {
            share[order[k % classes]]++;
            given++;
        }
        Random random = new Random(seed);
        Set<Integer> held = new HashSet<>();
        for (int c = 0; c < classes; c++) {
            List<Integer> members = new ArrayList<>(byClass.get(c));
            java.util.Collections.shuffle(members, random);
            held.addAll(members.subList(0, Math.min(share[c], members.size())));
        }
        int[] validation = held.stream().mapToInt(Integer::intValue).sorted().toArray();
        int[] training = java.util.stream.IntStream.range(0, train.size()).filter(i -> !held.contains(i)).toArray();
        Set<String> ids = new HashSet<>();
        for (int i : validation) {
            ids.add(train.id(i));
        }
        return new ValidationSplit(training, validation, Set.copyOf(ids));
    }

    /** The images students may train on. */
    public SubsetSource trainingPart(ImageSource train) {
        return new SubsetSource(train, training, "training part");
    }

    /** The held-out images. */
    public SubsetSource validationPart(ImageSource train) {
        return new SubsetSource(train, validation, "validation split");
    }

    /** The rows of a source made from the training set (a factor table) whose images are not held out. */
    public SubsetSource trainingRows(ImageSource table) {
        int[] rows = java.util.stream.IntStream.range(0, table.size())
                .filter(i -> !validationIds.contains(table.id(i))).toArray();
        return new SubsetSource(table, rows, "training part");
    }
}
