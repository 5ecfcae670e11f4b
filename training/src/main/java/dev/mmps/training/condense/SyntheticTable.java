package dev.mmps.training.condense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.files.ParquetFiles;
import dev.mmps.training.files.JsonFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * A synthetic set on disk: {@code arrays.parquet} (zstd), one row per stored array with its {@code name}, its
 * {@code shape} and its {@code values} as a little-endian float32 blob in row-major order, and
 * {@code manifest.json}, written last, saying the method, the frame, the budget, the stored values, the learned
 * learning rate and how the set was learned. The images and labels are rebuilt from the arrays by the method's
 * formula ({@link SyntheticForm}, docs/FORMAT.md).
 */
public final class SyntheticTable {

    public static final String MANIFEST = "manifest.json";
    public static final String TABLE = "arrays.parquet";
    static final String FORMAT = "mmps-synthetic";
    /** The newest version this release reads and writes: 3, MTT-LSS sets of several pairs of mappers. */
    static final int VERSION = 3;
    /** The first version of Parquet tables, which every set of one pair of mappers (or none) still is. */
    static final int FIRST_TABLE_VERSION = 2;
    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("message synthetic_array {"
            + " required binary name (STRING); repeated int64 shape; required binary values; }");

    private SyntheticTable() {}

    /**
     * The version a set of this form is written as: the oldest that describes it, so that readers of version 2
     * still read every set but those their settings cannot describe: MTT-LSS's of several pairs of mappers, and
     * NSD's whose spectrum tensors are not half the images' sides.
     */
    static int version(SyntheticForm form) {
        boolean newer = form instanceof LowRankForm lss && lss.subspaces() > 1
                || form instanceof SpectralForm nsd && !nsd.halfSides();
        return newer ? VERSION : FIRST_TABLE_VERSION;
    }

    /** A stored array's name and shape, as the manifest lists it. */
    public record ArrayEntry(String name, List<Long> shape) {}

    /** What a finished set is, with the budget it was held to. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Manifest(String format, int version, String method, int images, int imagesPerClass, int height,
            int width, int channels, List<String> classes, boolean softLabels, long budgetValues, long storedValues,
            double learningRate, List<ArrayEntry> arrays, String experts, List<Double> losses, double seconds,
            long startRssMb, long peakRssMb, Condensation.Settings settings) {}

    /** A set read back: its manifest, its form and its arrays. */
    public record Contents(Manifest manifest, SyntheticForm form, NDList arrays) {

        /** The rebuilt images {@code (n, C, H, W)}, class by class, in the arrays' manager. */
        public NDArray images() {
            return form.images(arrays);
        }

        /** The label distributions {@code (n, classes)}, in the arrays' manager. */
        public NDArray labels() {
            return form.labels(arrays);
        }
    }

    static List<ArrayEntry> arrays(SyntheticForm form) {
        List<ArrayEntry> entries = new ArrayList<>();
        for (int i = 0; i < form.names().size(); i++) {
            entries.add(new ArrayEntry(form.names().get(i), boxed(form.shapes().get(i).getShape())));
        }
        return entries;
    }

    /** Writes the arrays, then the manifest: a folder with a manifest holds its whole table. */
    static void write(Path dir, SyntheticForm form, NDList arrays, Manifest manifest) {
        Path table = dir.resolve(TABLE);
        Path partial = dir.resolve(TABLE + ".partial");
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(partial);
            SimpleGroupFactory rows = new SimpleGroupFactory(SCHEMA);
            try (ParquetWriter<Group> writer = ParquetFiles.writer(partial, SCHEMA)) {
                for (int i = 0; i < arrays.size(); i++) {
                    NDArray array = arrays.get(i);
                    if (!array.getShape().equals(form.shapes().get(i))) {
                        throw new IllegalStateException("array " + form.names().get(i) + " is " + array.getShape()
                                + " where the form has " + form.shapes().get(i));
                    }
                    Group row = rows.newGroup().append("name", form.names().get(i));
                    for (long d : array.getShape().getShape()) {
                        row.append("shape", d);
                    }
                    writer.write(row.append("values", Binary.fromConstantByteArray(
                            ParquetFiles.bytes(array.toType(DataType.FLOAT32, false).toFloatArray()))));
                }
            }
            Files.deleteIfExists(dir.resolve("." + TABLE + ".partial.crc"));
            Files.move(partial, table, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            JsonFiles.write(dir.resolve(MANIFEST), manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the synthetic set to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The manifest of a finished set.
     *
     * @throws ValidationException if {@code dir} holds no finished set, or one this release does not read
     */
    public static Manifest manifest(Path dir) {
        Path file = dir.resolve(MANIFEST);
        ValidationException.check(Files.isRegularFile(file), dir + " holds no finished synthetic set (no "
                + MANIFEST + "): run 'mmps condense --out " + dir + "' to make or finish it");
        Manifest m;
        try {
            m = JsonFiles.read(file, Manifest.class);
        } catch (JsonProcessingException e) {
            throw new ValidationException(file + " is damaged (" + e.getOriginalMessage() + "): condense again into "
                    + "an empty folder", e);
        }
        ValidationException.check(FORMAT.equals(m.format()), file + " is not a synthetic set's manifest (format "
                + m.format() + ", expected " + FORMAT + ")");
        ValidationException.check(m.version() <= VERSION, file + " is of version " + m.version() + ", newer than "
                + "this release reads (" + VERSION + "): use a newer mmps");
        ValidationException.check(m.version() >= FIRST_TABLE_VERSION, file + " is of version " + m.version()
                + ", from before synthetic sets were Parquet tables: condense it again into an empty folder");
        return m;
    }

    /**
     * Reads a finished set into {@code manager}.
     *
     * @throws ValidationException if the folder holds no finished set, or its table disagrees with its manifest
     */
    public static Contents read(Path dir, NDManager manager) {
        Manifest m = manifest(dir);
        SyntheticForm form = SyntheticForm.of(m.settings(), new SyntheticForm.Frame(m.classes().size(), m.channels(),
                m.height(), m.width()));
        Path table = dir.resolve(TABLE);
        ValidationException.check(Files.isRegularFile(table), dir + " has a manifest but no " + TABLE + ": the set "
                + "is damaged; condense it again into an empty folder");
        Map<String, NDArray> found = new LinkedHashMap<>();
        try (ParquetReader<Group> reader = ParquetFiles.reader(table)) {
            for (Group g = reader.read(); g != null; g = reader.read()) {
                long[] shape = new long[g.getFieldRepetitionCount("shape")];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = g.getLong("shape", d);
                }
                String name = g.getString("name", 0);
                float[] values = ParquetFiles.floats(g.getBinary("values", 0).getBytes());
                ValidationException.check(values.length == new Shape(shape).size(), table + " is damaged: array "
                        + name + " holds " + values.length + " values for shape " + Arrays.toString(shape)
                        + "; condense the set again into an empty folder");
                found.put(name, manager.create(values, new Shape(shape)));
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ValidationException v) {
                throw v;
            }
            throw new ValidationException("cannot read " + table + " (" + e.getMessage() + "): the set is damaged; "
                    + "condense it again into an empty folder", e);
        }
        NDList arrays = new NDList(form.names().size());
        for (int i = 0; i < form.names().size(); i++) {
            String name = form.names().get(i);
            NDArray array = found.get(name);
            ValidationException.check(array != null && array.getShape().equals(form.shapes().get(i)), table
                    + " does not hold " + m.method() + "'s array " + name + " of shape " + form.shapes().get(i)
                    + " (found " + (array == null ? "none" : array.getShape()) + "): the set is damaged; condense "
                    + "it again into an empty folder");
            arrays.add(array);
        }
        return new Contents(m, form, arrays);
    }

    private static List<Long> boxed(long[] values) {
        List<Long> list = new ArrayList<>(values.length);
        for (long v : values) {
            list.add(v);
        }
        return list;
    }
}
