package dev.mmps.training.files;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Reads and writes the training stage's JSON files with one Jackson mapper, in the layout these files
 * have had since the first release: two-space indentation, {@code "key": value}, one array element per
 * line, {@code {}} and {@code []} when empty, absent keys rather than nulls, and NaN written bare (a
 * diverged run's loss). Keys unknown to a record type are skipped on reading, so a file a newer release
 * wrote with more notes still loads.
 */
public final class JsonFiles {

    private static final DefaultIndenter INDENT = new DefaultIndenter("  ", "\n");
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .defaultPrettyPrinter(new DefaultPrettyPrinter(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("").withArrayEmptySeparator(""))
                    .withObjectIndenter(INDENT).withArrayIndenter(INDENT))
            .build();

    private JsonFiles() {}

    /** A value as the text of a file, pretty-printed. */
    public static String text(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Writes a value to {@code file}, pretty-printed, under a {@code .partial} name first and renamed into place:
     * a reader finds the old file or the new one, never half of either.
     */
    public static void write(Path file, Object value) {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try {
            Files.writeString(partial, text(value));
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a file as a record type.
     *
     * @throws JsonProcessingException if the file is not JSON of that shape (the caller says how to recover)
     * @throws UncheckedIOException if it cannot be read
     */
    public static <T> T read(Path file, Class<T> type) throws JsonProcessingException {
        return MAPPER.readValue(readString(file), type);
    }

    /** Reads a file as a tree. @throws JsonProcessingException if it is not JSON */
    public static JsonNode readTree(Path file) throws JsonProcessingException {
        return MAPPER.readTree(readString(file));
    }

    /**
     * A value as the tree its file would be read back as: numbers typed as a reader sees them (a float
     * 0.05 becomes the double 0.05), so trees of values and of files compare equal when the files would.
     */
    public static JsonNode tree(Object value) {
        try {
            return MAPPER.readTree(MAPPER.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON: "
                    + e.getMessage(), e);
        }
    }

    /** Text as a tree. @throws JsonProcessingException if it is not JSON */
    public static JsonNode parse(String text) throws JsonProcessingException {
        return MAPPER.readTree(text);
    }

    /** A tree as a record type. @throws JsonProcessingException if it is not of that shape */
    public static <T> T convert(JsonNode tree, Class<T> type) throws JsonProcessingException {
        return MAPPER.treeToValue(tree, type);
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
