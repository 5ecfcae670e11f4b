package dev.mmps.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmps.settings.ValidationException;
import dev.mmps.table.FactorTableReader;
import dev.mmps.table.ManifestFiles;
import dev.mmps.table.TableManifest;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.TensorLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A factor table as an image source. The rows are streamed once through {@link FactorTableReader} and
 * kept as stored (the blobs, at the table's precision), so memory is the table's size, not the pixels';
 * each batch is decoded and rebuilt on the device by the codec's {@link Rebuild}.
 */
public final class FactorSource extends LabelledSource {

    private static final Logger LOG = LoggerFactory.getLogger(FactorSource.class);
    private static final List<String> REBUILT_CODECS = List.of("mmps", "mps", "svd", "cp", "tucker");

    private final List<FactorTableReader.Entry> rows;
    private final String codec;
    private final long storedValues;
    private final long storedBytes;
    private final Rebuild rebuild;

    private FactorSource(String description, List<FactorTableReader.Entry> rows, List<String> classes,
            long storedBytes, Rebuild rebuild) {
        super(description + " (" + rows.get(0).codec() + ")", rows.get(0).shape(), classes,
                rows.stream().map(FactorTableReader.Entry::id).toList(),
                rows.stream().mapToInt(FactorTableReader.Entry::label).toArray());
        this.rows = List.copyOf(rows);
        FactorTableReader.Entry first = rows.get(0);
        ImageShape shape = first.shape();
        this.codec = first.codec();
        this.storedBytes = storedBytes;
        long values = 0;
        for (FactorTableReader.Entry row : rows) {
            values += Math.round(row.ratio() * shape.values());
        }
        this.storedValues = values;
        this.rebuild = rebuild;
    }

    /** The rebuild of the table's codec, for the layout its rows name. */
    private static Rebuild rebuild(Path path, FactorTableReader.Entry first) {
        ValidationException.check(REBUILT_CODECS.contains(first.codec()), "the factor table at " + path + " holds "
                + first.codec() + " rows, which this release cannot rebuild: it rebuilds " + REBUILT_CODECS
                + "; compress the images with one of them");
        if (!first.codec().equals("mmps") && !first.codec().equals("mps")) {
            return new BaselineRebuild(first.codec(), first.shape());
        }
        TensorLayout layout;
        try {
            layout = TensorLayout.parse(first.layout(), first.shape());
        } catch (IllegalArgumentException e) {
            throw new ValidationException("the factor table at " + path + " names layout " + first.layout()
                    + ", which does not fit its " + first.shape() + " images (" + e.getMessage() + "); check it "
                    + "with 'mmps inspect' and compress the images again", e);
        }
        return new MpsRebuild(layout);
    }

    /**
     * Reads an mmps output folder (or its {@code factors/} folder).
     *
     * @throws ValidationException if there is no table, it is empty, its rows are unlabelled, or its
     *     rows differ in shape, codec or layout
     */
    public static FactorSource open(Path path) {
        long start = System.nanoTime();
        // The manifest first: a table of a newer schema, or a damaged one, is refused before its rows are read.
        TableManifest manifest = ManifestFiles.readTable(path.toString(), new Configuration());
        List<FactorTableReader.Entry> rows = new ArrayList<>();
        try (FactorTableReader reader = reader(path)) {
            reader.forEachRemaining(rows::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the factor table at " + path + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // The reader's refusal of a row: a shape or layout no image can have.
            throw new ValidationException("the factor table at " + path + " is damaged (" + e.getMessage() + "); check "
                    + "it with 'mmps inspect' and compress the images again", e);
        }
        if (rows.isEmpty()) {
            throw new ValidationException("the factor table at " + path + " holds no rows; compress a folder "
                    + "that has images (see its errors/ table for inputs that failed)");
        }
        FactorTableReader.Entry first = rows.get(0);
        for (FactorTableReader.Entry row : rows) {
            if (row.label() == null) {
                throw new ValidationException("row " + row.id() + " of " + path + " has no label; training "
                        + "needs class folders (<root>/<class>/<file>) or IDX labels when compressing");
            }
            if (!row.shape().equals(first.shape()) || !row.codec().equals(first.codec())
                    || !row.layout().equals(first.layout())) {
                throw new ValidationException("row " + row.id() + " of " + path + " is " + row.shape() + " "
                        + row.codec() + " " + row.layout() + " but row " + first.id() + " is " + first.shape() + " "
                        + first.codec() + " " + first.layout() + "; a training table needs one shape, codec and layout "
                        + "(compress with --size HxW)");
            }
        }
        FactorSource source = new FactorSource(path.toString(), rows, classes(manifest, rows), storedBytes(path),
                rebuild(path, first));
        LOG.info("read factor table {}{}: {} rows of {}, codec {}, {} stored values ({} per image), {} s", path,
                manifest.delta() == null ? "" : " (Delta version " + manifest.delta().version() + ")", rows.size(),
                source.shape(), source.codec, source.storedValues, source.storedValues / rows.size(),
                String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
        return source;
    }

    /**
     * Opens a factor table's reader.
     *
     * @throws ValidationException if there is no factor table at {@code path}
     */
    public static FactorTableReader reader(Path path) {
        return FactorTableReader.open(path.toString(), new Configuration());
    }

    /**
     * Class names: the manifest's sorted class folders, else (IDX input) each label's {@code class_name}.
     */
    private static List<String> classes(TableManifest manifest, List<FactorTableReader.Entry> rows) {
        List<String> names = manifest.input().classes();
        if (!names.isEmpty()) {
            return names;
        }
        TreeMap<Integer, String> byLabel = new TreeMap<>();
        rows.forEach(r -> byLabel.put(r.label(), r.className() == null ? Integer.toString(r.label()) : r.className()));
        List<String> fromRows = new ArrayList<>();
        for (int label = 0; label <= byLabel.lastKey(); label++) {
            fromRows.add(byLabel.getOrDefault(label, Integer.toString(label)));
        }
        return fromRows;
    }

    /** The Parquet bytes of the factor table: its part files as the reader finds them. */
    private static long storedBytes(Path path) {
        Configuration conf = new Configuration();
        long bytes = 0;
        try {
            for (org.apache.hadoop.fs.Path part : FactorTableReader.parts(path.toString(), conf)) {
                bytes += part.getFileSystem(conf).getFileStatus(part).getLen();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure the factor table at " + path + ": " + e.getMessage(), e);
        }
        return bytes;
    }

    @Override
    public long storedValues() {
        return storedValues;
    }

    /** The factor table's Parquet bytes on disk. */
    public long storedBytes() {
        return storedBytes;
    }

    public String codec() {
        return codec;
    }

    /** The stored row, for comparing against {@link FactorTableReader#reconstruct}. */
    public FactorTableReader.Entry row(int index) {
        return rows.get(index);
    }

    @Override
    public NDArray images(NDManager manager, int[] indices) {
        List<FactorTableReader.Entry> batch = new ArrayList<>(indices.length);
        for (int i : indices) {
            batch.add(rows.get(i));
        }
        return rebuild.images(manager, batch);
    }
}
