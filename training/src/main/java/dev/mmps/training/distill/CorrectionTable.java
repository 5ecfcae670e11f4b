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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    /** The rows and the note of an unfinished learning run; see {@link #checkpoint}. */
    public static final String PROGRESS_TABLE = "corrections.progress.parquet";
    public static final String PROGRESS = "corrections.progress.json";
    private static final Logger LOG = LoggerFactory.getLogger(CorrectionTable.class);
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
        try {
            Files.createDirectories(dir);
            Path partial = writeRows(dir, TABLE + ".partial", corrections);
            Summary summary = learned.written(corrections, Files.size(partial));
            JsonFiles.write(dir.resolve(SUMMARY), summary);
            // The table appears last and in one rename: a folder with the table has its summary too, and a
            // run stopped while writing leaves only the partial file, which the next run replaces.
            Files.move(partial, table, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.deleteIfExists(dir.resolve(PROGRESS_TABLE));
            Files.deleteIfExists(dir.resolve(PROGRESS));
            return summary;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write corrections to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Writes the rows of {@code corrections} to {@code dir/name}, replacing a file of that name. */
    private static Path writeRows(Path dir, String name, Corrections corrections) throws IOException {
        Path file = dir.resolve(name);
        Files.deleteIfExists(file);
        SimpleGroupFactory rows = new SimpleGroupFactory(SCHEMA);
        ImageShape s = corrections.shape();
        try (ParquetWriter<Group> writer = ParquetFiles.writer(file, SCHEMA)) {
            for (Map.Entry<String, Corrections.Term> e : corrections.terms().entrySet()) {
                writer.write(rows.newGroup().append("id", e.getKey()).append("height", s.height())
                        .append("width", s.width()).append("channels", s.channels())
                        .append("rank", corrections.rank())
                        .append("u", Binary.fromConstantByteArray(ParquetFiles.bytes(e.getValue().u())))
                        .append("v", Binary.fromConstantByteArray(ParquetFiles.bytes(e.getValue().v()))));
            }
        }
        Files.deleteIfExists(dir.resolve("." + name + ".crc"));
        return file;
    }

    /**
     * {@code corrections.progress.json}: what a stopped learning run had finished, beside its rows in
     * {@code corrections.progress.parquet}.
     *
     * @param settings the run's settings as one line, as in {@link Summary#settings()}
     * @param images rows in the progress table
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ProgressNote(String settings, int images, double lossBefore, double lossAfter, double seconds) {}

    /**
     * A checkpoint in {@code dir}: the finished batches of a run learned with {@code settings}, written at most
     * once every {@code every} (each time in full, renamed into place) and removed when {@link #write} writes
     * the table.
     */
    public static CorrectionLearner.Checkpoint checkpoint(Path dir, String settings, Duration every) {
        return new FileCheckpoint(dir, settings, every);
    }

    private static final class FileCheckpoint implements CorrectionLearner.Checkpoint {
        private final Path dir;
        private final String settings;
        private final long everyNanos;
        private long lastKept = System.nanoTime();

        FileCheckpoint(Path dir, String settings, Duration every) {
            this.dir = dir;
            this.settings = settings;
            this.everyNanos = every.toNanos();
        }

        @Override
        public CorrectionLearner.Progress resume() {
            Path note = dir.resolve(PROGRESS);
            if (!Files.isRegularFile(note) || !Files.isRegularFile(dir.resolve(PROGRESS_TABLE))) {
                return null;
            }
            ProgressNote kept;
            try {
                kept = JsonFiles.read(note, ProgressNote.class);
            } catch (JsonProcessingException e) {
                throw new ValidationException(note + " is damaged (" + e.getOriginalMessage() + "); remove it and "
                        + dir.resolve(PROGRESS_TABLE) + " to learn the corrections from the start", e);
            }
            if (!settings.equals(kept.settings())) {
                throw new ValidationException("the unfinished corrections in " + dir + " came from " + kept.settings()
                        + ", but the settings now ask for " + settings + "; remove " + this + " to start again, or "
                        + "choose another output");
            }
            Corrections rows = readRows(dir.resolve(PROGRESS_TABLE));
            if (rows.terms().size() != kept.images()) {
                // Stopped between writing the rows and their note: the pair is of two moments; start again.
                LOG.warn("{} holds {} images where {} records {}; learning the corrections from the start",
                        dir.resolve(PROGRESS_TABLE), rows.terms().size(), note, kept.images());
                return null;
            }
            return new CorrectionLearner.Progress(rows, kept.lossBefore(), kept.lossAfter(), kept.seconds());
        }

        @Override
        public void keep(CorrectionLearner.Progress progress) {
            if (System.nanoTime() - lastKept < everyNanos) {
                return;
            }
            lastKept = System.nanoTime();
            try {
                Files.createDirectories(dir);
                Path partial = writeRows(dir, PROGRESS_TABLE + ".partial", progress.corrections());
                Files.move(partial, dir.resolve(PROGRESS_TABLE), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot keep the corrections learned so far in " + dir + ": "
                        + e.getMessage(), e);
            }
            JsonFiles.write(dir.resolve(PROGRESS), new ProgressNote(settings, progress.corrections().terms().size(),
                    progress.lossBefore(), progress.lossAfter(), progress.seconds()));
        }

        @Override
        public String toString() {
            return dir.resolve(PROGRESS_TABLE) + " and " + dir.resolve(PROGRESS);
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
        return readRows(table);
    }

    private static Corrections readRows(Path table) {
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
