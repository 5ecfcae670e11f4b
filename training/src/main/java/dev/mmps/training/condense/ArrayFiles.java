package dev.mmps.training.condense;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Lists of arrays in DJL's encoding ({@code .ndlist}), written whole or not at all, and their folders. */
final class ArrayFiles {

    private ArrayFiles() {}

    /** Reads a list into {@code manager}. */
    static NDList read(NDManager manager, Path file) {
        try {
            return NDList.decode(manager, Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes a list under a temporary name and renames it into place. */
    static void write(Path file, NDList list) {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try {
            Files.write(partial, list.encode());
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Creates a folder and its parents. */
    static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }
}
