package dev.mmps.training.select;

import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.ImageSource;
import dev.mmps.training.files.ParquetFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;

/**
 * A subset picked by {@code mmps select} on Spark (the output folder's {@code selection/} table), as
 * indices into a training source: its rows' {@code id}s are those the compress job and the training
 * stage give the same images.
 */
public final class SubsetTable {

    private static final int SHOWN = 3;

    private SubsetTable() {}

    /**
     * The sorted indices of {@code train} the subset at {@code folder} keeps.
     *
     * @param expected how many images the budget buys; a subset of another size was made for another
     *     training set or ratio
     * @throws ValidationException if the folder holds no selection, names images {@code train} lacks,
     *     or keeps another number of images than {@code expected}
     */
    public static int[] read(Path folder, ImageSource train, int expected) {
        Path table = folder.resolve("selection");
        if (!Files.isDirectory(table)) {
            throw new ValidationException("subset " + folder + " has no selection/ table; make it with "
                    + "'bin/mmps select --input <training images> --output " + folder + "'");
        }
        Map<String, Integer> index = train.indexById();
        List<Integer> rows = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        try (ParquetReader<Group> reader = ParquetFiles.reader(table)) {
            for (Group g = reader.read(); g != null; g = reader.read()) {
                String id = g.getString("id", 0);
                Integer i = index.get(id);
                if (i == null) {
                    unknown.add(id);
                } else {
                    rows.add(i);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read subset " + table + ": " + e.getMessage(), e);
        }
        if (!unknown.isEmpty()) {
            throw new ValidationException("subset " + folder + " keeps " + unknown.size() + " image(s) that are "
                    + "not in the training set " + train.description() + ", e.g. "
                    + unknown.subList(0, Math.min(SHOWN, unknown.size())) + "; select from the same training images");
        }
        if (rows.size() != expected) {
            throw new ValidationException("subset " + folder + " keeps " + rows.size() + " images where the "
                    + "budget buys " + expected + " of the " + train.size() + " training images; select with the "
                    + "grid's ratio from the same training images");
        }
        int[] sorted = rows.stream().mapToInt(Integer::intValue).sorted().toArray();
        for (int k = 1; k < sorted.length; k++) {
            if (sorted[k] == sorted[k - 1]) {
                throw new ValidationException("subset " + folder + " names image " + train.id(sorted[k])
                        + " twice; make it again with 'bin/mmps select'");
            }
        }
        return sorted;
    }
}
