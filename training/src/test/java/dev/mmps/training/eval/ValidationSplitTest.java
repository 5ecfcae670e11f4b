package dev.mmps.training.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.settings.ValidationException;
import dev.mmps.training.TestData;
import dev.mmps.training.data.FactorSource;
import dev.mmps.training.data.ImageSource;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.data.SubsetSource;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The validation split on the 200 sample images (20 of each of ten classes): disjoint from the training part,
 * stratified, fixed by its seed, and taken out of a factor table of the same images by id.
 */
class ValidationSplitTest {

    @Test
    void holdsOutAFixedStratifiedShareDisjointFromTraining() {
        OriginalSource train = OriginalReader.read(TestData.cifarSample());
        ValidationSplit split = ValidationSplit.of(train, 0.15, 3);
        assertEquals(30, split.validation().length, "round(0.15 x 200)");
        assertEquals(170, split.training().length);
        Set<Integer> held = new HashSet<>();
        for (int i : split.validation()) {
            held.add(i);
        }
        for (int i : split.training()) {
            assertFalse(held.contains(i), "image " + i + " is on both sides");
        }
        assertArrayEquals(IntStream.range(0, train.size()).toArray(), IntStream.concat(
                IntStream.of(split.training()), IntStream.of(split.validation())).sorted().toArray(), "every image once");
        int[] perClass = new int[train.classes().size()];
        for (int i : split.validation()) {
            perClass[train.label(i)]++;
        }
        for (int c = 0; c < perClass.length; c++) {
            assertEquals(3, perClass[c], "0.15 of class " + train.classes().get(c) + "'s 20 images");
        }
        ValidationSplit again = ValidationSplit.of(train, 0.15, 3);
        assertArrayEquals(split.validation(), again.validation(), "the same seed holds out the same images");
        assertFalse(java.util.Arrays.equals(split.validation(), ValidationSplit.of(train, 0.15, 4).validation()),
                "another seed holds out others");
        SubsetSource part = split.validationPart(train);
        for (int i = 0; i < part.size(); i++) {
            assertTrue(split.validationIds().contains(part.id(i)));
            assertEquals(train.label(split.validation()[i]), part.label(i));
        }
    }

    /** Classes of unequal size: floors first, then the largest remainders, so the total is round(f x N). */
    @Test
    void sharesTheRemainderByTheLargestFractions() {
        OriginalSource train = OriginalReader.read(TestData.cifarSample());
        // Class 0 keeps all 20 images, class 1 keeps 7, the rest 1 each: 35 images.
        int[] kept = IntStream.range(0, train.size()).filter(i -> train.label(i) == 0
                || (train.label(i) == 1 && countBefore(train, i, 1) < 7)
                || (train.label(i) > 1 && countBefore(train, i, train.label(i)) < 1)).toArray();
        ImageSource uneven = new SubsetSource(train, kept, "uneven part");
        ValidationSplit split = ValidationSplit.of(uneven, 0.2, 0);
        int[] perClass = new int[train.classes().size()];
        for (int i : split.validation()) {
            perClass[uneven.label(i)]++;
        }
        // 0.2 x (20, 7, 1 x 8) = 4, 1.4, 0.2 x 8: floors 4 + 1 + 0 = 5 of round(7.0) = 7; the remainders 0.4 and
        // eight 0.2s go to class 1 and then the earliest 0.2, class 2.
        assertEquals(7, split.validation().length);
        assertArrayEquals(new int[] {4, 2, 1, 0, 0, 0, 0, 0, 0, 0}, perClass);
    }

    @Test
    void aFactorTableLosesExactlyTheHeldOutImagesRows(@TempDir Path dir) throws Exception {
        Path input = TestData.goldenInput(dir.resolve("train"));
        Path tables = TestData.tablesAtRatio03(dir.resolve("tables"), List.of("mmps"));
        OriginalSource train = OriginalReader.read(input);
        ValidationSplit split = ValidationSplit.of(train, 0.25, 1);
        FactorSource table = FactorSource.open(tables.resolve("mmps-0.3"));
        SubsetSource rows = split.trainingRows(table);
        assertEquals(table.size() - split.validation().length, rows.size());
        Set<String> kept = new HashSet<>();
        for (int i = 0; i < rows.size(); i++) {
            kept.add(rows.id(i));
        }
        for (int i = 0; i < table.size(); i++) {
            assertEquals(!split.validationIds().contains(table.id(i)), kept.contains(table.id(i)), table.id(i));
        }
    }

    @Test
    void aFractionThatLeavesASideEmptyIsRefused() {
        OriginalSource train = OriginalReader.read(TestData.cifarSample());
        ValidationException none = assertThrows(ValidationException.class, () -> ValidationSplit.of(train, 0.001, 0));
        assertTrue(none.getMessage().contains("0.001") && none.getMessage().contains("200"), none.getMessage());
        assertThrows(ValidationException.class, () -> ValidationSplit.of(train, 1.0, 0));
    }

    private static int countBefore(ImageSource source, int index, int label) {
        return (int) IntStream.range(0, index).filter(i -> source.label(i) == label).count();
    }
}
