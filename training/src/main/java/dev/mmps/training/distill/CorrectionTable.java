package dev.mmps.training.distill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.mmps.settings.ValidationException;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.training.files.ParquetFiles;
import dev.mmps.training.files.JsonFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * The corrections as files: {@code corrections.parquet} (zstd), one row per image keyed by {@code id}, with
 * the shape, the rank and the factors as little-endian float32 blobs ({@code u}: {@code C x H x r}, or the
 * full {@code C x H x W} term at rank 0; {@code v}: {@code C x r x W}, empty at rank 0), and
 * {@code corrections.json} beside it: the settings, the losses and the stored bytes. The correction of an
 * image is, per channel {@code c}, {@code u[c] @ v[c]}, added to the rebuilt image on the [0, 1] scale.
 */
public final class CorrectionTable {

    public static final String TABLE = "corrections.parquet";
    public static final String SUMMARY = "corrections.json";
    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("message correction {"
            + " required binary id (STRING); required int32 height; required int32 width; required int32 channels;"
            + " required int32 rank; required binary u; required binary v; }");

    private CorrectionTable() {}

    /**
     * {@code corrections.json}: how the corrections were learned (the settings as one line, the table, the
     * teacher, the distillation loss before and after) and what they store.
     *
     * @param settings everything that shaped the corrections, as one line; kept corrections are reused only
     *     when the settings asked for now give the same line
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Summary(String settings, String table, String teacherArchitecture, int steps, float learningRate,
            double distillationLossBefore, double distillationLossAfter, double seconds, int images, int rank,
            long valuesPerImage, long storedBytes) {

        /** The summary of a learning run; {@link #write} adds what the written table holds and its bytes. */
        public static Summary learned(String settings, String table, String teacherArchitecture,
                CorrectionLearner.Settings learning, CorrectionLearner.Outcome outcome) {
            return new Summary(settings, table, teacherArchitecture, learning.steps(), learning.learningRate(),
                    outcome.lossBefore(), outcome.lossAfter(), outcome.seconds(), 0, 0, 0, 0);
        }

        Summary written(Corrections corrections, long bytes) {
            return new Summary(settings, table, teacherArchitecture, steps, learningRate, distillationLossBefore,
                    distillationLossAfter, seconds, corrections.terms().size(), corrections.rank(),
                    corrections.valuesPerImage(), bytes);
        }
    }

    /**
     * Writes the corrections and their summary into {@code dir}.
     *
     * @return the summary as written: with the images, rank, values per image and the Parquet file's bytes
     */
    public static Summary write(Path dir, Corrections corrections, Summary learned) {
        Path table = dir.resolve(TABLE);
        Path partial = dir.resolve(TABLE + ".partial");
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(partial);
            SimpleGroupFactory rows = new SimpleGroupFactory(SCHEMA);
            ImageShape s = corrections.shape();
            try (ParquetWriter<Group> writer = ParquetFiles.writer(partial, SCHEMA)) {
                for (Map.Entry<String, Corrections.Term> e : corrections.terms().entrySet()) {
                    writer.write(rows.newGroup().append("id", e.getKey()).append("height", s.height())
                            .append("width", s.width()).append("channels", s.channels())
                            .append("rank", corrections.rank())
                            .append("u", Binary.fromConstantByteArray(ParquetFiles.bytes(e.getValue().u())))
                            .append("v", Binary.fromConstantByteArray(ParquetFiles.bytes(e.getValue().v()))));
                }
            }
            Files.deleteIfExists(dir.resolve("." + TABLE + ".partial.crc"));
            Summary summary = learned.written(corrections, Files.size(partial));
            JsonFiles.write(dir.resolve(SUMMARY), summary);
            // The table appears last and in one rename: a folder with the table has its summary too, and a
            // run stopped while writing leaves only the partial file, which the next run replaces.
            Files.move(partial, table, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return summary;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write corrections to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads corrections written by {@link #write}.
     *
     * @throws ValidationException if the folder holds no correction table, or its rows disagree in shape,
     *     rank or size
     */
    public static Corrections read(Path dir) {
        Path table = dir.resolve(TABLE);
        if (!Files.isRegularFile(table)) {
            throw new ValidationException("no corrections at " + dir + " (" + TABLE + " is missing); learn them "
                    + "with 'mmps distill --out " + dir + "'");
        }
        Map<String, Corrections.Term> terms = new LinkedHashMap<>();
        ImageShape shape = null;
        int rank = -1;
        try (ParquetReader<Group> reader = ParquetFiles.reader(table)) {
            for (Group g = reader.read(); g != null; g = reader.read()) {
                ImageShape s = shape(table, g);
                int r = g.getInteger("rank", 0);
                if (shape != null && (!s.equals(shape) || r != rank)) {
                    throw new ValidationException("correction table " + table + " mixes " + shape + " rank " + rank
                            + " with " + s + " rank " + r + "; learn it again with 'mmps distill'");
                }
                shape = s;
                rank = r;
                String id = g.getString("id", 0);
                Corrections.Term term = new Corrections.Term(ParquetFiles.floats(g.getBinary("u", 0).getBytes()),
                        ParquetFiles.floats(g.getBinary("v", 0).getBytes()));
                ValidationException.check(r >= 0 && term.u().length == Corrections.uSize(s, r)
                        && term.v().length == Corrections.vSize(s, r), "correction table " + table + " is damaged: "
                        + "the correction of " + id + " holds " + term.u().length + " + " + term.v().length
                        + " values where rank " + r + " on " + s + " needs " + Corrections.uSize(s, r) + " + "
                        + Corrections.vSize(s, r) + "; learn it again with 'mmps distill'");
                terms.put(id, term);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read corrections from " + table + ": " + e.getMessage(), e);
        }
        if (shape == null) {
            throw new ValidationException("correction table " + table + " is empty; learn it again with "
                    + "'mmps distill'");
        }
        return new Corrections(shape, rank, terms);
    }

    private static ImageShape shape(Path table, Group row) {
        try {
            return new ImageShape(row.getInteger("height", 0), row.getInteger("width", 0),
                    row.getInteger("channels", 0));
        } catch (IllegalArgumentException e) {
            throw new ValidationException("correction table " + table + " is damaged (" + e.getMessage() + "); learn "
                    + "it again with 'mmps distill'", e);
        }
    }

    /**
     * The summary written beside the table: settings, losses, stored bytes.
     *
     * @throws ValidationException if it is missing or damaged
     */
    public static Summary summary(Path dir) {
        Path file = dir.resolve(SUMMARY);
        if (!Files.isRegularFile(file)) {
            throw new ValidationException("the corrections at " + dir + " lack their " + SUMMARY + "; learn them "
                    + "again with 'mmps distill --out " + dir + "' after removing " + dir.resolve(TABLE));
        }
        try {
            return JsonFiles.read(file, Summary.class);
        } catch (JsonProcessingException e) {
            throw new ValidationException(file + " is damaged (" + e.getOriginalMessage() + "); learn the "
                    + "corrections again with 'mmps distill --out " + dir + "' after removing " + dir.resolve(TABLE), e);
        }
    }

    /** The correction table's bytes on disk. */
    public static long storedBytes(Path dir) {
        try {
            return Files.size(dir.resolve(TABLE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + dir.resolve(TABLE), e);
        }
    }
}
