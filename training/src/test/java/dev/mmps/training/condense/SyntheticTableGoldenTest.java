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
import ai.djl.training.dataset.Batch;
import dev.mmps.training.data.SourceDataset;
import dev.mmps.training.files.ParquetFiles;
import dev.mmps.settings.ValidationException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The synthetic tables kept in {@code src/test/resources/golden/synthetic} (one per method, written by
 * {@link #main}) stay readable: their arrays rebuild the images and labels stored beside them
 * ({@code images.f32} and {@code labels.f32}, little-endian float32, images channels first), which the
 * Python package's numpy rebuilding is checked against too, and the DJL Dataset serves the same images batch by
 * batch. A damaged or foreign table is refused.
 *
 * <p>The tables are tiny: 2 classes of 2-channel 4x6 images at ipc 2, arrays filled with
 * {@code 0.5 sin(0.37 k + 1.1 i)} for entry {@code k} of array {@code i}; one per method, named after it,
 * {@code lss-subspaces}, MTT-LSS with a pair of mappers per class, and {@code nsd-side}, NSD with spectrum
 * tensors of three quarters of the images' sides (both version 3). To write a table (only when the format
 * changes, with a new version; the others stay as they were written, for the readers of today to read them):
 * {@code java -cp training/target/test-classes:training/target/classes:$(cat training/target/training-classpath.txt)
 * dev.mmps.training.condense.SyntheticTableGoldenTest training/src/test/resources/golden/synthetic NAME...}.
 */
class SyntheticTableGoldenTest {

    /** The golden tables' images and labels against this build's rebuilding: float32 summation order. */
    private static final float REBUILD_TOLERANCE = 1e-6f;

    private static final SyntheticForm.Frame FRAME = new SyntheticForm.Frame(2, 2, 4, 6);

    /** The sizes of a golden table's form. */
    private record Sizes(SpectralForm.Settings nsd, LowRankForm.Settings lss) {}

    private static final Sizes PLAIN = new Sizes(new SpectralForm.Settings(1, 2, 2, 0.1),
            new LowRankForm.Settings(2, true, 0.01, 0.5));

    /** The golden tables, by folder (the method, and what the variant changes after a hyphen). */
    private static final Map<String, Sizes> GOLDEN = new java.util.LinkedHashMap<>();

    static {
        for (String method : Condensation.METHODS) {
            GOLDEN.put(method, PLAIN);
        }
        GOLDEN.put("lss-subspaces", new Sizes(PLAIN.nsd(), new LowRankForm.Settings(2, true, 0.01, 0.5, 2)));
        GOLDEN.put("nsd-side", new Sizes(new SpectralForm.Settings(1, 2, 2, 0.1, 0.75), PLAIN.lss()));
    }

    private static String method(String folder) {
        return folder.split("-")[0];
    }

    @Test
    void theGoldenTablesRebuildTheirImagesAndLabels() throws Exception {
        Path golden = golden();
        for (String method : GOLDEN.keySet()) {
            Path dir = golden.resolve(method);
            try (NDManager manager = NDManager.newBaseManager()) {
                SyntheticTable.Contents contents = SyntheticTable.read(dir, manager);
                assertEquals(method(method), contents.manifest().method());
                assertEquals(SyntheticTable.version(contents.form()), contents.manifest().version(), method);
                NDArray images = contents.images();
                assertEquals(new Shape(contents.form().images(), 2, 4, 6), images.getShape(), method);
                assertArrayEquals(readFloats(dir.resolve("images.f32")), images.toFloatArray(), REBUILD_TOLERANCE,
                        method + " images");
                assertArrayEquals(readFloats(dir.resolve("labels.f32")), contents.labels().toFloatArray(),
                        REBUILD_TOLERANCE, method + " labels");
                assertEquals(contents.form().storedValues(), contents.manifest().storedValues(), method);
                assertTrue(contents.manifest().storedValues() <= contents.manifest().budgetValues(), method);
            }
        }
    }

    @Test
    void theDatasetServesTheGoldenSetsPixelForPixel() throws Exception {
        for (String method : GOLDEN.keySet()) {
            Path dir = golden().resolve(method);
            float[] expected = readFloats(dir.resolve("images.f32"));
            float[] distributions = readFloats(dir.resolve("labels.f32"));
            try (NDManager manager = NDManager.newBaseManager(); SyntheticSource source = new SyntheticSource(dir,
                    manager)) {
                int classes = source.classes().size();
                int values = source.shape().values();
                SourceDataset data = new SourceDataset(source, SourceDataset.Options.inOrder(5));
                int at = 0;
                for (Batch batch : data.getData(manager)) {
                    try (batch) {
                        float[] images = batch.getData().singletonOrThrow().toFloatArray();
                        float[] labels = batch.getLabels().singletonOrThrow().toType(DataType.FLOAT32, false)
                                .toFloatArray();
                        for (int i = 0; i < labels.length; i++, at++) {
                            assertArrayEquals(java.util.Arrays.copyOfRange(expected, at * values, (at + 1) * values),
                                    java.util.Arrays.copyOfRange(images, i * values, (i + 1) * values),
                                    REBUILD_TOLERANCE, method + " image " + at);
                            assertEquals(argMax(distributions, at * classes, classes), (int) labels[i],
                                    method + " label " + at);
                        }
                    }
                }
                assertEquals(source.size(), at, method + ": every image once");
            }
        }
    }

    @Test
    void damagedAndForeignTablesAreRefusedWithTheirPath(@TempDir Path dir) throws Exception {
        Path copy = dir.resolve("lss");
        Files.createDirectories(copy);
        for (String file : List.of(SyntheticTable.MANIFEST, SyntheticTable.TABLE)) {
            Files.copy(golden().resolve("lss").resolve(file), copy.resolve(file));
        }
        byte[] table = Files.readAllBytes(copy.resolve(SyntheticTable.TABLE));
        Files.write(copy.resolve(SyntheticTable.TABLE), java.util.Arrays.copyOf(table, table.length / 2));
        try (NDManager manager = NDManager.newBaseManager()) {
            ValidationException truncated = assertThrows(ValidationException.class,
                    () -> SyntheticTable.read(copy, manager));
            assertTrue(truncated.getMessage().contains(copy.resolve(SyntheticTable.TABLE).toString())
                    && truncated.getMessage().contains("condense it again"), truncated.getMessage());

            Files.writeString(copy.resolve(SyntheticTable.MANIFEST), Files.readString(copy.resolve(
                    SyntheticTable.MANIFEST)).replace("\"version\": 2", "\"version\": 4"));
            ValidationException newer = assertThrows(ValidationException.class,
                    () -> SyntheticTable.read(copy, manager));
            assertTrue(newer.getMessage().contains("newer than this release reads"), newer.getMessage());

            ValidationException none = assertThrows(ValidationException.class,
                    () -> SyntheticTable.read(dir.resolve("nothing"), manager));
            assertTrue(none.getMessage().contains("no finished synthetic set"), none.getMessage());
        }
    }

    /** Writes the golden tables named after the folder given (all of them when none is named). */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        List<String> names = args.length > 1 ? List.of(args).subList(1, args.length) : List.copyOf(GOLDEN.keySet());
        for (String name : names) {
            String method = method(name);
            Condensation.Settings s = new Condensation.Settings(method, 2, 1, 1, 0, 1, 1, 0.01, 0.01, 0.01, 1, 0,
                    GOLDEN.get(name).nsd(), GOLDEN.get(name).lss()).ownBlockOnly();
            SyntheticForm form = SyntheticForm.of(s, FRAME);
            try (NDManager manager = NDManager.newBaseManager()) {
                NDList arrays = new NDList();
                for (int i = 0; i < form.shapes().size(); i++) {
                    Shape shape = form.shapes().get(i);
                    float[] values = new float[(int) shape.size()];
                    for (int k = 0; k < values.length; k++) {
                        values[k] = (float) (0.5 * Math.sin(0.37 * k + 1.1 * i));
                    }
                    arrays.add(manager.create(values, shape));
                }
                Path dir = out.resolve(name);
                SyntheticTable.write(dir, form, arrays, new SyntheticTable.Manifest(SyntheticTable.FORMAT,
                        SyntheticTable.version(form), method, form.images(), form.imagesPerClass(), FRAME.height(),
                        FRAME.width(), FRAME.channels(), List.of("a", "b"), form.softLabels(), FRAME.budget(2),
                        form.storedValues(), 0.01, SyntheticTable.arrays(form), "experts", List.of(0.5), 1.0, 100, 120, s));
                writeFloats(dir.resolve("images.f32"), form.images(arrays).toFloatArray());
                writeFloats(dir.resolve("labels.f32"), form.labels(arrays).toFloatArray());
            }
        }
    }

    private static int argMax(float[] values, int at, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (values[at + i] > values[at + best]) {
                best = i;
            }
        }
        return best;
    }

    private static Path golden() throws URISyntaxException {
        return Path.of(SyntheticTableGoldenTest.class.getResource("/golden/synthetic").toURI());
    }

    private static float[] readFloats(Path file) throws IOException {
        return ParquetFiles.floats(Files.readAllBytes(file));
    }

    private static void writeFloats(Path file, float[] values) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.write(partial, ParquetFiles.bytes(values));
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
    }
}
