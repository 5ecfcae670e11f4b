package dev.mmps.training.condense;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.TestData;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The three forms of a synthetic set: stored values against each paper's formula and the budget, images
 * against the formulas evaluated by plain loops, the low-rank start against the real images it projects, and
 * the gradient carried from the images back to the stored arrays against finite differences of the loss.
 */
class SyntheticFormTest {

    private static final SyntheticForm.Frame FASHION = new SyntheticForm.Frame(10, 1, 28, 28);
    private static final SyntheticForm.Frame CIFAR = new SyntheticForm.Frame(10, 3, 32, 32);
    private static final SpectralForm.Settings NSD = new SpectralForm.Settings(1, 2, 2, 0.1);
    private static final LowRankForm.Settings LSS = new LowRankForm.Settings(4, true, 0.01, 0.5);

    /** The rebuilt images against loops over the same float32 values: summation order only. */
    private static final double REBUILD_TOLERANCE = 1e-5;
    /** Full-rank mappers project an image onto itself: float32 rounding of the eigenvectors and products. */
    private static final float PROJECTION_TOLERANCE = 1e-4f;
    /** Central differences of the loss in double precision against the reverse-mode gradient, relative. */
    private static final double DIFFERENCE_STEP = 1e-5;
    private static final double GRADIENT_TOLERANCE = 1e-6;

    @Test
    void storedValuesFollowEachPapersFormulaWithinTheBudget() {
        // MTT: the images themselves, and the learning rate.
        SyntheticForm mtt = new PixelForm(FASHION, 1);
        assertEquals(10 * 28 * 28 + 1, mtt.storedValues());
        assertEquals(FASHION.budget(1), mtt.storedValues());

        // NSD, Fashion-MNIST at IPC 1: t3 = t4 = 14; one tensor per class (10 x t1 x 1 x 14 x 14) and two kernel
        // sets (u1 t1 + 1 + 28 x 14 + 14 x 28 each, u1 = 2 t1). t1 = 3 stores 5880 + 1606 + 1 = 7487 of 7841;
        // t1 = 4 would store 7840 + 1634 + 1.
        SpectralForm nsd = SpectralForm.sized(FASHION, 1, NSD);
        assertEquals(3, nsd.depth());
        assertEquals(6, nsd.expanded());
        assertEquals(7487, nsd.storedValues());
        assertEquals(12, nsd.imagesPerClass(), "1 tensor x 2 kernel sets x 6 images");
        for (int ipc : new int[] {1, 10}) {
            for (SyntheticForm.Frame frame : List.of(FASHION, CIFAR)) {
                SpectralForm f = SpectralForm.sized(frame, ipc, NSD);
                long expected = (long) frame.classes() * f.tensors() * f.depth() * frame.channels() * f.rows()
                        * f.columns() + (long) f.kernels() * ((long) f.expanded() * f.depth()
                        + frame.channels() * frame.channels() + (long) frame.height() * f.rows()
                        + (long) f.columns() * frame.width()) + 1;
                assertEquals(expected, f.storedValues(), "nsd " + frame + " ipc " + ipc);
                assertTrue(f.storedValues() <= frame.budget(ipc));
                SpectralForm deeper = new SpectralForm(frame, f.tensors(), f.kernels(), f.depth() + 1,
                        2 * (f.depth() + 1), f.rows(), f.columns());
                assertTrue(deeper.storedValues() > frame.budget(ipc), "the deepest stacks that fit");
            }
        }

        // MTT-LSS, Fashion-MNIST at IPC 1, rank 4 with soft labels: mappers 1 x 4 x (28 + 28) = 224, each image
        // 16 basis values and 10 logits; (7841 - 1 - 224) / (10 x 26) = 29 images per class.
        LowRankForm lss = LowRankForm.sized(FASHION, 1, LSS);
        assertEquals(29, lss.imagesPerClass());
        assertEquals(224 + 290 * 26 + 1, lss.storedValues());
        for (int ipc : new int[] {1, 10}) {
            for (SyntheticForm.Frame frame : List.of(FASHION, CIFAR)) {
                for (boolean soft : new boolean[] {true, false}) {
                    LowRankForm f = LowRankForm.sized(frame, ipc, new LowRankForm.Settings(4, soft, 0.01, 0.5));
                    long perImage = frame.channels() * 16L + (soft ? frame.classes() : 0);
                    long shared = frame.channels() * 4L * (frame.height() + frame.width());
                    assertEquals(shared + (long) f.images() * perImage + 1, f.storedValues());
                    assertTrue(f.storedValues() <= frame.budget(ipc));
                    assertTrue(f.storedValues() + frame.classes() * perImage > frame.budget(ipc),
                            "as many images per class as fit");
                    assertTrue(f.imagesPerClass() > ipc, "more images than the budget holds in pixels");
                }
            }
        }
    }

    @Test
    void severalPairsOfMappersCostTheirValuesAndStartAtTheRealImages() {
        // Fashion-MNIST at IPC 10, rank 4, a pair per class: mappers 10 x 4 x (28 + 28) = 2,240 values, each image
        // 16 basis values and 10 logits; (78401 - 1 - 2240) / (10 x 26) = 292 images per class.
        LowRankForm perClass = LowRankForm.sized(FASHION, 10, new LowRankForm.Settings(4, true, 0.01, 0.5, 10));
        assertEquals(292, perClass.imagesPerClass());
        assertEquals(2240 + 2920 * 26 + 1, perClass.storedValues());
        assertEquals(300, LowRankForm.sized(FASHION, 10, LSS).imagesPerClass(), "one pair: (78400 - 224) / 260");
        ValidationException tooMany = assertThrows(ValidationException.class,
                () -> LowRankForm.sized(FASHION, 10, new LowRankForm.Settings(4, true, 0.01, 0.5, 11)));
        assertTrue(tooMany.getMessage().contains("lss.subspaces 11") && tooMany.getMessage().contains("number of classes, 10"),
                tooMany.getMessage());

        // At full rank each class's mappers span its own images' rows and columns, so the start is the real images.
        OriginalSource train = OriginalReader.read(TestData.cifarSample());
        LowRankForm full = LowRankForm.sized(CIFAR, 10, new LowRankForm.Settings(32, false, 0.01, 0.5, 10));
        assertEquals(8, full.imagesPerClass(), "(307201 - 1 - 10 x 3 x 32 x 64) / (10 x 3072)");
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] start = full.images(full.initial(train, 7, manager)).toFloatArray();
            float[] real = SyntheticForm.realImages(train, 10, 8, 7, manager).toFloatArray();
            assertArrayEquals(real, start, PROJECTION_TOLERANCE);
        }
    }

    @Test
    void rankAutoKeepsTheImagesAClassNearestItsAimAtEveryBudget() {
        // The ranks measured best on Fashion-MNIST: 4 at IPC 1 ((7840 - 224) / 260 = 29 images a class) and 16
        // at IPC 10 ((78400 - 896) / 2660 = 29). CIFAR-10 at IPC 1: rank 5 keeps 35 and rank 6 25, as near to 30,
        // and the one with more images is taken; at IPC 10 rank 18 keeps 30.
        LowRankForm.Settings auto = auto();
        assertEquals(LowRankForm.Settings.AUTO_IMAGES, auto.autoImages());
        assertEquals(4, LowRankForm.sized(FASHION, 1, auto).rank());
        assertEquals(16, LowRankForm.sized(FASHION, 10, auto).rank());
        assertEquals(5, LowRankForm.sized(CIFAR, 1, auto).rank());
        assertEquals(18, LowRankForm.sized(CIFAR, 10, auto).rank());
        assertEquals(30, LowRankForm.sized(CIFAR, 10, auto).imagesPerClass());

        // Against every fixed rank sized on its own, for other aims, hard labels and several spaces.
        for (SyntheticForm.Frame frame : List.of(FASHION, CIFAR)) {
            for (int ipc : new int[] {1, 10, 50}) {
                for (int aim : new int[] {1, 10, 30, 200}) {
                    for (boolean soft : new boolean[] {true, false}) {
                        for (int spaces : new int[] {1, 10}) {
                            LowRankForm.Settings s = new LowRankForm.Settings(null, soft, 0.01, 0.5, spaces, aim);
                            int expected = 0;
                            long expectedImages = 0;
                            for (int r = 1; r <= Math.min(frame.height(), frame.width()); r++) {
                                long images;
                                try {
                                    images = LowRankForm.sized(frame, ipc, new LowRankForm.Settings(r, soft, 0.01, 0.5,
                                            spaces)).imagesPerClass();
                                } catch (ValidationException overBudget) {
                                    continue;
                                }
                                long distance = Math.abs(images - aim);
                                if (expected == 0 || distance < Math.abs(expectedImages - aim)
                                        || distance == Math.abs(expectedImages - aim) && images > expectedImages) {
                                    expected = r;
                                    expectedImages = images;
                                }
                            }
                            String cell = frame + " ipc " + ipc + " aim " + aim + " soft " + soft + " spaces " + spaces;
                            LowRankForm chosen = LowRankForm.sized(frame, ipc, s);
                            assertEquals(expected, chosen.rank(), cell);
                            assertEquals(expectedImages, chosen.imagesPerClass(), cell);
                            assertEquals(expected, s.forBudget(frame, ipc).rank(), cell);
                            assertEquals(null, s.forBudget(frame, ipc).autoImages(), cell);
                        }
                    }
                }
            }
        }
    }

    private static LowRankForm.Settings auto() {
        return new LowRankForm.Settings(null, true, 0.01, 0.5, 1, null);
    }

    @Test
    void lowRankSettingsReadAutoOrANumberAndRefuseTheRest() {
        assertEquals(null, LowRankForm.Settings.parseRank("auto"));
        assertEquals(null, LowRankForm.Settings.parseRank(" AUTO "));
        assertEquals(12, LowRankForm.Settings.parseRank("12"));
        ValidationException word = assertThrows(ValidationException.class,
                () -> LowRankForm.Settings.parseRank("four"));
        assertTrue(word.getMessage().contains("lss.rank four") && word.getMessage().contains("auto"), word.getMessage());
        ValidationException aim = assertThrows(ValidationException.class,
                () -> new LowRankForm.Settings(null, true, 0.01, 0.5, 1, 0));
        assertTrue(aim.getMessage().contains("lss.auto-images 0"), aim.getMessage());
        assertEquals(null, new LowRankForm.Settings(4, true, 0.01, 0.5, 1, 30).autoImages(),
                "a fixed rank keeps no aim");
        LowRankForm.Settings hard = new LowRankForm.Settings(null, true, 0.01, 0.5, 3, 12).hardLabels();
        assertEquals(new LowRankForm.Settings(null, false, 0.01, 0.5, 3, 12), hard, "only the labels change");
        // 2x2 images at IPC 1: 41 values, and rank 1 already takes 4 for its mappers and 11 an image.
        ValidationException none = assertThrows(ValidationException.class,
                () -> LowRankForm.sized(new SyntheticForm.Frame(10, 1, 2, 2), 1, auto()));
        assertTrue(none.getMessage().contains("lss.rank auto finds no rank"), none.getMessage());
    }

    @Test
    void formsOverTheirBudgetAreRefusedWithTheNumbers() {
        ValidationException lss = assertThrows(ValidationException.class,
                () -> LowRankForm.sized(FASHION, 1, new LowRankForm.Settings(28, true, 0.01, 0.5)));
        assertTrue(lss.getMessage().contains("budget of 7841") && lss.getMessage().contains("lss.rank"),
                lss.getMessage());
        ValidationException nsd = assertThrows(ValidationException.class,
                () -> SpectralForm.sized(FASHION, 1, new SpectralForm.Settings(5, 2, 2, 0.1)));
        assertTrue(nsd.getMessage().contains("budget of 7841") && nsd.getMessage().contains("nsd.tensors"),
                nsd.getMessage());
        ValidationException rank = assertThrows(ValidationException.class,
                () -> LowRankForm.sized(FASHION, 100, new LowRankForm.Settings(29, true, 0.01, 0.5)));
        assertTrue(rank.getMessage().contains("exceeds the images' sides"), rank.getMessage());
    }

    @Test
    void theImagesAreEachFormsFormula() {
        SyntheticForm.Frame frame = new SyntheticForm.Frame(2, 2, 4, 6);
        try (NDManager manager = NDManager.newBaseManager()) {
            SpectralForm nsd = new SpectralForm(frame, 2, 3, 2, 3, 2, 3);
            NDList arrays = random(nsd, manager, DataType.FLOAT32);
            float[][] a = floats(arrays);
            float[] images = nsd.images(arrays).toFloatArray();
            assertEquals(new Shape(nsd.images(), 2, 4, 6), nsd.images(arrays).getShape());
            int image = 0;
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 3; j++) {
                        for (int u = 0; u < 3; u++, image++) {
                            for (int ch = 0; ch < 2; ch++) {
                                for (int h = 0; h < 4; h++) {
                                    for (int w = 0; w < 6; w++) {
                                        double x = 0;
                                        for (int b = 0; b < 2; b++) {
                                            for (int k = 0; k < 2; k++) {
                                                for (int p = 0; p < 2; p++) {
                                                    for (int q = 0; q < 3; q++) {
                                                        x += a[1][(j * 3 + u) * 2 + b] * a[2][(j * 2 + ch) * 2 + k]
                                                                * a[3][(j * 4 + h) * 2 + p]
                                                                * a[0][((((c * 2 + i) * 2 + b) * 2 + k) * 2 + p) * 3 + q]
                                                                * a[4][(j * 3 + q) * 6 + w];
                                                    }
                                                }
                                            }
                                        }
                                        assertEquals(x, images[((image * 2 + ch) * 4 + h) * 6 + w],
                                                REBUILD_TOLERANCE, "nsd image " + image);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            assertEquals(nsd.images(), image);

            // MTT-LSS with one pair of mappers, then with a pair per class: image n of class n / 3 uses pair g.
            for (int pairs : new int[] {1, 2}) {
                LowRankForm lss = new LowRankForm(frame, 3, 2, true, pairs);
                arrays = random(lss, manager, DataType.FLOAT32);
                a = floats(arrays);
                images = lss.images(arrays).toFloatArray();
                for (int n = 0; n < lss.images(); n++) {
                    int g = pairs == 1 ? 0 : n / 3;
                    for (int ch = 0; ch < 2; ch++) {
                        for (int h = 0; h < 4; h++) {
                            for (int w = 0; w < 6; w++) {
                                double x = 0;
                                for (int p = 0; p < 2; p++) {
                                    for (int q = 0; q < 2; q++) {
                                        x += a[0][((g * 2 + ch) * 4 + h) * 2 + p] * a[2][((n * 2 + ch) * 2 + p) * 2 + q]
                                                * a[1][((g * 2 + ch) * 2 + q) * 6 + w];
                                    }
                                }
                                assertEquals(x, images[((n * 2 + ch) * 4 + h) * 6 + w], REBUILD_TOLERANCE,
                                        "lss image " + n + ", " + pairs + " pairs");
                            }
                        }
                    }
                }
                NDArray rows = manager.create(new long[] {4, 0, 5});
                assertArrayEquals(lss.images(arrays).get(rows).toFloatArray(), lss.images(arrays, rows).toFloatArray(),
                        (float) REBUILD_TOLERANCE, "the rows alone, " + pairs + " pairs");
            }
            LowRankForm lss = new LowRankForm(frame, 3, 2, true);
            arrays = random(lss, manager, DataType.FLOAT32);
            a = floats(arrays);
            float[] labels = lss.labels(arrays).toFloatArray();
            for (int n = 0; n < lss.images(); n++) {
                double total = 0;
                double max = Math.max(a[3][n * 2], a[3][n * 2 + 1]);
                for (int k = 0; k < 2; k++) {
                    total += Math.exp(a[3][n * 2 + k] - max);
                }
                assertEquals(Math.exp(a[3][n * 2] - max) / total, labels[n * 2], REBUILD_TOLERANCE, "softmax");
            }
        }
    }

    @Test
    void fullRankMappersStartAtTheRealImages() {
        OriginalSource train = OriginalReader.read(TestData.cifarSample());
        LowRankForm full = LowRankForm.sized(CIFAR, 10, new LowRankForm.Settings(32, false, 0.01, 0.5));
        assertEquals(9, full.imagesPerClass(), "(307201 - 1 - 6144) / (10 x 3072)");
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] start = full.images(full.initial(train, 7, manager)).toFloatArray();
            float[] real = SyntheticForm.realImages(train, 10, 9, 7, manager).toFloatArray();
            assertArrayEquals(real, start, PROJECTION_TOLERANCE);
        }
    }

    @Test
    void fullSizeSpectrumTensorsStartAtTheRealImages() {
        // side = 1: t3 = t4 = 32, so shrinking and enlarging are identities and the first kernel set passes each
        // class's stack through unchanged. CIFAR-10 at IPC 1: 10 x 3072 t1 + 2 x (2 t1^2 + 9 + 2 x 1024) + 1 fits
        // the budget of 30,721 at t1 = 0 only, so the test takes IPC 3: t1 = 2, 2 x 2 x 4 = 8 images a class.
        SpectralForm full = SpectralForm.sized(CIFAR, 3, new SpectralForm.Settings(1, 2, 2, 0.1, 1.0));
        assertEquals(32, full.rows());
        assertEquals(2, full.depth());
        assertEquals(8, full.imagesPerClass());
        OriginalSource train = OriginalReader.read(TestData.cifarSample());
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray start = full.images(full.initial(train, 7, manager));
            NDArray real = SyntheticForm.realImages(train, 10, 2, 7, manager);
            for (int c = 0; c < 10; c++) {
                for (int i = 0; i < 2; i++) {
                    assertArrayEquals(real.get(c * 2 + i).toFloatArray(), start.get(c * 8 + i).toFloatArray(),
                            PROJECTION_TOLERANCE, "class " + c + ", image " + i);
                }
            }
        }
    }

    @Test
    void spectrumSidesFollowTheirFraction() {
        // Fashion-MNIST at IPC 10 with full-size tensors: 10 x 784 t1 + 2 x (2 t1^2 + 1 + 2 x 784) + 1 fits at t1 = 9
        // (74,023 of 78,401) and not at 10 (80,361): 2 kernel sets x 18 images = 36 a class.
        SpectralForm full = SpectralForm.sized(FASHION, 10, new SpectralForm.Settings(1, 2, 2, 0.1, 1.0));
        assertEquals(9, full.depth());
        assertEquals(36, full.imagesPerClass());
        assertEquals(74023, full.storedValues());
        assertEquals(14, SpectralForm.sized(FASHION, 10, NSD).rows(), "half by default");
        assertEquals(3, SyntheticTable.version(full), "readers of version 2 take the sides for half");
        assertEquals(2, SyntheticTable.version(SpectralForm.sized(FASHION, 10, NSD)));
        assertEquals(NSD, new SpectralForm.Settings(1, 2, 2, 0.1, null), "settings written before side: half");
        assertEquals(25, SpectralForm.spectrumSide(28, 0.875), "24.5 rounds up");
        assertEquals(28, SpectralForm.spectrumSide(32, 0.875));
        assertEquals(16, SpectralForm.spectrumSide(31, 0.5));
        for (double side : new double[] {0, -0.5, 1.5, Double.NaN}) {
            ValidationException e = assertThrows(ValidationException.class,
                    () -> new SpectralForm.Settings(1, 2, 2, 0.1, side));
            assertTrue(e.getMessage().contains("nsd.side"), e.getMessage());
        }
    }

    @Test
    void theGradientReachesTheStoredArrays() {
        ConvNetFunction network = new ConvNetFunction(1, 4, 4, 2, 3, 1);
        SyntheticForm.Frame frame = new SyntheticForm.Frame(2, 1, 4, 4);
        TrajectoryMatcher matcher = new TrajectoryMatcher(network, DIFFERENCE_STEP);
        try (NDManager manager = NDManager.newBaseManager()) {
            TrajectoryMatcher.Segment segment = new TrajectoryMatcher.Segment(
                    network.initialise(manager, 1, DataType.FLOAT64), network.initialise(manager, 2, DataType.FLOAT64));
            for (SyntheticForm form : List.of(new SpectralForm(frame, 1, 2, 1, 2, 2, 2),
                    new LowRankForm(frame, 2, 2, true), new LowRankForm(frame, 2, 2, true, 2))) {
                NDList arrays = random(form, manager, DataType.FLOAT64);
                List<NDArray> batches = new ArrayList<>();
                for (int k = 0; k < 3; k++) {
                    batches.add(manager.arange(0, form.images()).toType(DataType.INT64, false));
                }
                java.util.function.ToDoubleFunction<NDList> loss = values -> {
                    try (NDManager step = manager.newSubManager()) {
                        Condensation.Rebuilt r = Condensation.rebuild(form, values, step);
                        return matcher.match(segment, new TrajectoryMatcher.Synthetic(r.images(), r.labels(),
                                form.softLabels()), 0.3, batches).loss();
                    }
                };
                NDList gradient;
                try (NDManager step = manager.newSubManager()) {
                    Condensation.Rebuilt r = Condensation.rebuild(form, arrays, step);
                    TrajectoryMatcher.Gradient g = matcher.match(segment, new TrajectoryMatcher.Synthetic(r.images(),
                            r.labels(), form.softLabels()), 0.3, batches);
                    gradient = r.backward(g);
                    gradient.attach(manager);
                }
                double scale = 0;
                for (NDArray g : gradient) {
                    scale = Math.max(scale, g.abs().max().toType(DataType.FLOAT64, false).getDouble());
                }
                assertTrue(scale > 1e-6, form.method() + "'s gradient must not vanish here: " + scale);
                for (int i = 0; i < arrays.size(); i++) {
                    double[] analytic = gradient.get(i).toDoubleArray();
                    for (int entry = 0; entry < analytic.length; entry += 3) {
                        double numeric = (loss.applyAsDouble(moved(arrays, i, entry, DIFFERENCE_STEP))
                                - loss.applyAsDouble(moved(arrays, i, entry, -DIFFERENCE_STEP))) / (2 * DIFFERENCE_STEP);
                        assertEquals(numeric, analytic[entry], GRADIENT_TOLERANCE * scale,
                                form.method() + " " + form.names().get(i) + "[" + entry + "]");
                    }
                }
            }
        }
    }

    private static NDList moved(NDList arrays, int which, int entry, double h) {
        NDList copy = new NDList(arrays.size());
        for (int i = 0; i < arrays.size(); i++) {
            double[] values = arrays.get(i).toDoubleArray();
            if (i == which) {
                values[entry] += h;
            }
            copy.add(arrays.get(i).getManager().create(values, arrays.get(i).getShape()));
        }
        return copy;
    }

    private static NDList random(SyntheticForm form, NDManager manager, DataType type) {
        manager.getEngine().setRandomSeed(11);
        NDList arrays = new NDList();
        for (Shape shape : form.shapes()) {
            arrays.add(manager.randomNormal(shape).toType(type, false));
        }
        return arrays;
    }

    private static float[][] floats(NDList arrays) {
        float[][] values = new float[arrays.size()][];
        for (int i = 0; i < arrays.size(); i++) {
            values[i] = arrays.get(i).toFloatArray();
        }
        return values;
    }
}
