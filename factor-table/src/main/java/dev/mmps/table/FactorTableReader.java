package dev.mmps.table;

import dev.mmps.settings.ValidationException;
import dev.mmps.tensor.codec.ImageFactors;
import dev.mmps.tensor.codec.ImageRebuilder;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.TensorLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * Streams the rows of a factor table, one Parquet part file and one row at a time, with plain
 * parquet-hadoop (no Spark): what trainers and {@code mmps reconstruct} use. Memory stays at one
 * row group of one file. {@link #reconstruct} rebuilds a row's image with layouts parsed once per
 * shape and one reused {@link ImageRebuilder} (single-precision OpenBLAS products when it loads); not thread-safe.
 */
public final class FactorTableReader implements Iterator<FactorTableReader.Entry>, AutoCloseable {

    /** The folders of an output that hold the factor table and the error table. */
    public static final String FACTORS = "factors";
    public static final String ERRORS = "errors";

    /**
     * One factor row: identity, label, shape and factors.
     *
     * @param label class index, or null for unlabelled inputs
     * @param codec the row's codec ({@code mmps}, {@code mps}, {@code svd}, {@code cp}, {@code tucker})
     * @param dtype how the factor values are stored ({@code float32}, {@code float16}, {@code int8})
     */
    public record Entry(String id, String source, Integer label, String className, ImageShape shape, String layout,
            String codec, String dtype, List<FactorFormat.StoredStage> stages, double ratio, double psnrDb) {

        public ImageFactors factors() {
            return FactorFormat.decode(codec, dtype, TensorLayout.parse(layout, shape), stages);
        }

        /** The rebuilt image, {@code H x W x C} row-major on the [0, 1] scale. */
        public float[] reconstruct() {
            return factors().reconstruct();
        }
    }

    private final Configuration conf;
    private final Deque<Path> parts;
    private final Map<String, TensorLayout> layouts = new HashMap<>();
    /** Native products when OpenBLAS loads: a 224x224 image rebuilds several times faster than in plain Java. */
    private final ImageRebuilder rebuilder = new ImageRebuilder();
    private ParquetReader<Group> current;
    private Group next;

    private FactorTableReader(Configuration conf, List<Path> parts) {
        this.conf = conf;
        this.parts = new ArrayDeque<>(parts);
    }

    /**
     * Opens the factor table of an mmps output folder (or a {@code factors/} folder itself).
     *
     * @throws ValidationException if there is no factor table there
     */
    public static FactorTableReader open(String path, Configuration conf) {
        return open(path, null, conf);
    }

    /**
     * Opens a version of the factor table of an output written as Delta tables.
     *
     * @param version the version, or null for the newest (or for a Parquet output)
     * @throws ValidationException if there is no factor table there, or no such version
     */
    public static FactorTableReader open(String path, Long version, Configuration conf) {
        return new FactorTableReader(conf, parts(path, version, conf));
    }

    /** The Parquet part files of the table, in name order. */
    public static List<Path> parts(String path, Configuration conf) {
        return parts(path, null, conf);
    }

    /**
     * The Parquet part files of the table at a version: of a Delta table, those its log names for the version
     * (the folder also holds files of other versions); of a Parquet output, every part file in the folder.
     *
     * @param version the version of a Delta output, or null for the newest
     */
    public static List<Path> parts(String path, Long version, Configuration conf) {
        try {
            Path given = new Path(path);
            FileSystem fs = given.getFileSystem(conf);
            Path folder = fs.exists(new Path(given, FACTORS)) ? new Path(given, FACTORS) : given;
            if (!fs.exists(folder) || !fs.getFileStatus(folder).isDirectory()) {
                throw new ValidationException(path + " holds no factor table; pass an mmps output folder "
                        + "(the --output of compress)");
            }
            if (DeltaSnapshot.isDelta(folder, conf)) {
                return DeltaSnapshot.read(folder, version, conf).paths();
            }
            if (version != null) {
                throw new ValidationException(path + " is a Parquet output, which keeps one version only; leave the "
                        + "version out");
            }
            return partFiles(fs, folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the factor table at " + path + ": " + e.getMessage(), e);
        }
    }

    /** The Parquet part files of an output's error table, in name order; none if it has no error table. */
    public static List<Path> errorParts(String output, Configuration conf) {
        return errorParts(output, null, conf);
    }

    /**
     * The Parquet part files of an output's error table that belong with a version of its factor table (for a
     * Delta output, the error table's version its manifest names).
     */
    public static List<Path> errorParts(String output, Long version, Configuration conf) {
        try {
            Path folder = new Path(output, ERRORS);
            FileSystem fs = folder.getFileSystem(conf);
            if (fs.exists(folder) && DeltaSnapshot.isDelta(folder, conf)) {
                TableManifest manifest = ManifestFiles.readTable(output, version, conf);
                return DeltaSnapshot.read(folder, manifest.delta().errorsVersion(), conf).paths();
            }
            return fs.exists(folder) ? partFiles(fs, folder) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the error table of " + output + ": " + e.getMessage(), e);
        }
    }

    private static List<Path> partFiles(FileSystem fs, Path folder) throws IOException {
        List<Path> parts = new ArrayList<>();
        for (FileStatus f : fs.listStatus(folder)) {
            String name = f.getPath().getName();
            if (f.isFile() && name.endsWith(".parquet")) {
                parts.add(f.getPath());
            }
        }
        parts.sort(Path::compareTo);
        return parts;
    }

    /** Rows in the table, from the Parquet footers alone. */
    public static long count(List<Path> parts, Configuration conf) {
        long rows = 0;
        for (Path p : parts) {
            try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(p, conf))) {
                rows += reader.getRecordCount();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the footer of " + p + ": " + e.getMessage(), e);
            }
        }
        return rows;
    }

    @Override
    public boolean hasNext() {
        try {
            while (next == null) {
                if (current == null) {
                    if (parts.isEmpty()) {
                        return false;
                    }
                    current = ParquetReader.builder(new GroupReadSupport(), parts.poll()).withConf(conf).build();
                }
                next = current.read();
                if (next == null) {
                    current.close();
                    current = null;
                }
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("reading the factor table: " + e.getMessage(), e);
        }
    }

    @Override
    public Entry next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Group row = next;
        next = null;
        return entry(row);
    }

    /** The factors of a row of this table, its layout parsed once per layout and shape. */
    public ImageFactors factors(Entry e) {
        TensorLayout layout = layouts.computeIfAbsent(e.layout() + "|" + e.shape(),
                key -> TensorLayout.parse(e.layout(), e.shape()));
        return FactorFormat.decode(e.codec(), e.dtype(), layout, e.stages());
    }

    /** The rebuilt image of a row of this table, {@code H x W x C} row-major on the [0, 1] scale. */
    public float[] reconstruct(Entry e) {
        return rebuilder.reconstruct(factors(e));
    }

    private static Entry entry(Group g) {
        ImageShape shape = new ImageShape(g.getInteger(FactorFormat.HEIGHT, 0), g.getInteger(FactorFormat.WIDTH, 0),
                g.getInteger(FactorFormat.CHANNELS, 0));
        List<FactorFormat.StoredStage> stages = new ArrayList<>();
        for (Group stage : elements(g.getGroup(FactorFormat.STAGES, 0))) {
            Group ranksList = stage.getGroup(FactorFormat.RANKS, 0);
            List<Group> rankElements = elements(ranksList);
            int[] ranks = new int[rankElements.size()];
            for (int i = 0; i < ranks.length; i++) {
                ranks[i] = rankElements.get(i).getInteger("element", 0);
            }
            List<byte[]> cores = new ArrayList<>();
            for (Group core : elements(stage.getGroup(FactorFormat.CORES, 0))) {
                cores.add(core.getBinary("element", 0).getBytes());
            }
            stages.add(new FactorFormat.StoredStage(ranks, cores));
        }
        Integer label = g.getFieldRepetitionCount(FactorFormat.LABEL) == 0 ? null
                : g.getInteger(FactorFormat.LABEL, 0);
        String className = g.getFieldRepetitionCount(FactorFormat.CLASS_NAME) == 0 ? null
                : g.getString(FactorFormat.CLASS_NAME, 0);
        return new Entry(g.getString(FactorFormat.ID, 0), g.getString(FactorFormat.SOURCE, 0), label, className, shape,
                g.getString(FactorFormat.LAYOUT, 0), g.getString(FactorFormat.CODEC, 0), g.getString(FactorFormat.DTYPE, 0),
                stages, g.getDouble(FactorFormat.RATIO, 0),
                g.getDouble(FactorFormat.PSNR_DB, 0));
    }

    /**
     * The elements of a Parquet LIST as Spark writes it: a repeated group {@code list} whose
     * field {@code element} holds each value.
     */
    private static List<Group> elements(Group list) {
        int n = list.getFieldRepetitionCount("list");
        List<Group> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Group item = list.getGroup("list", i);
            out.add(item.getType().getFieldCount() == 1 && !item.getType().getType(0).isPrimitive()
                    ? item.getGroup("element", 0) : item);
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        rebuilder.close();
        if (current != null) {
            current.close();
            current = null;
        }
    }
}
