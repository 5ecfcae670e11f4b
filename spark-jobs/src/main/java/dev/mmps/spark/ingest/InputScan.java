package dev.mmps.spark.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.timestamp_millis;

import dev.mmps.images.DecodedImage;
import dev.mmps.images.IdxFormat;
import dev.mmps.images.ImageFailure;
import dev.mmps.images.Preprocess;
import dev.mmps.settings.ValidationException;
import dev.mmps.spark.config.JobConfig;
import dev.mmps.tensor.layout.ImageShape;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * What the input is, seen from the driver: image files under a root (class folders) or IDX
 * files; how many; their classes; a small sample decoded for shape checks and calibration; and
 * the datasets the executors read. Listing (streamed to a file, see {@link InputWalk}) and the
 * sample are the only work done on the driver; what it keeps does not grow with the input.
 */
public final class InputScan {

    /** A sample image decoded on the driver. */
    public record Sample(String source, DecodedImage image) {}

    /** One IDX images file and what its header says. */
    private record IdxFile(String images, String labels, IdxFormat.Header header, long bytes, long modified) {}

    private static final StructType IDX_RANGE = new StructType()
            .add("images", DataTypes.StringType, false)
            .add("labels", DataTypes.StringType, true)
            .add("first", DataTypes.IntegerType, false)
            .add("end", DataTypes.IntegerType, false)
            .add("rows", DataTypes.IntegerType, false)
            .add("cols", DataTypes.IntegerType, false)
            .add("bytes_per_image", DataTypes.LongType, false)
            .add("modified", DataTypes.TimestampType, true);

    private final SparkSession spark;
    private final JobConfig config;
    private final FileSystem fs;
    private final Path root;
    private final List<String> classNames;
    private final List<IdxFile> idx;
    private final Path listing;
    private final InputWalk.Result walk;

    private InputScan(SparkSession spark, JobConfig config, FileSystem fs, Path root, List<String> classNames,
            List<IdxFile> idx, Path listing, InputWalk.Result walk) {
        this.spark = spark;
        this.config = config;
        this.fs = fs;
        this.root = root;
        this.classNames = classNames;
        this.idx = idx;
        this.listing = listing;
        this.walk = walk;
    }

    /**
     * @throws ValidationException if the input does not exist or holds nothing to compress
     */
    public static InputScan of(SparkSession spark, JobConfig config, Path listing) {
        try {
            Path given = new Path(config.input());
            FileSystem fs = given.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(given)) {
                throw new ValidationException("input " + config.input()
                        + " does not exist; pass an image folder or IDX files to --input");
            }
            Path root = fs.makeQualified(given);
            List<IdxFile> idx = idxFiles(fs, root);
            if (!idx.isEmpty()) {
                long count = idx.stream().mapToLong(f -> f.header().count()).sum();
                long total = idx.stream().mapToLong(IdxFile::bytes).sum();
                Path base = fs.getFileStatus(root).isDirectory() ? root : root.getParent();
                return new InputScan(spark, config, fs, base, List.of(), idx, null,
                        new InputWalk.Result(count, total, List.of(), List.of(), null));
            }
            if (!fs.getFileStatus(root).isDirectory()) {
                throw new ValidationException("input " + config.input() + " is a single file that is not IDX; "
                        + "pass the folder that holds the images");
            }
            FileSystem listingFs = listing.getFileSystem(spark.sparkContext().hadoopConfiguration());
            InputWalk.Result walk = InputWalk.walk(fs, root, config.compression().calibrationImages(), listingFs,
                    listingFs.makeQualified(listing));
            if (walk.inputs() == 0) {
                throw new ValidationException("input " + config.input()
                        + " holds no files (names starting with . or _ are skipped); pass a folder of images");
            }
            return new InputScan(spark, config, fs, root, classFolders(fs, root), List.of(), listing, walk);
        } catch (IdxFormat.MalformedIdxException e) {
            throw new ValidationException(e.getMessage() + "; pass IDX files (MNIST, Fashion-MNIST) or a folder of "
                    + "images", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list input " + config.input() + ": " + e.getMessage(), e);
        }
    }

    private static List<IdxFile> idxFiles(FileSystem fs, Path root) throws IOException {
        List<FileStatus> candidates = new ArrayList<>();
        FileStatus status = fs.getFileStatus(root);
        if (status.isDirectory()) {
            for (FileStatus f : fs.listStatus(root)) {
                if (f.isFile() && IdxFormat.isImagesFile(f.getPath().getName())) {
                    candidates.add(f);
                }
            }
        } else if (IdxFormat.isImagesFile(root.getName())) {
            candidates.add(status);
        }
        candidates.sort(Comparator.comparing(f -> f.getPath().getName()));
        List<IdxFile> result = new ArrayList<>();
        for (FileStatus f : candidates) {
            Path images = f.getPath();
            IdxFormat.Header header;
            try (InputStream in = IdxFormat.open(fs.open(images), images.getName())) {
                header = IdxFormat.readImagesHeader(in, images.getName());
            }
            Path labels = new Path(images.getParent(), IdxFormat.labelsFileFor(images.getName()));
            String labelsUri = null;
            long total = f.getLen();
            if (fs.exists(labels)) {
                try (InputStream in = IdxFormat.open(fs.open(labels), labels.getName())) {
                    int count = IdxFormat.readLabelsHeader(in, labels.getName());
                    if (count != header.count()) {
                        throw new ValidationException(labels.getName() + " holds " + count + " labels but "
                                + images.getName() + " holds " + header.count() + " images; pass matching files");
                    }
                }
                labelsUri = labels.toString();
                total += fs.getFileStatus(labels).getLen();
            }
            result.add(new IdxFile(images.toString(), labelsUri, header, total, f.getModificationTime()));
        }
        return result;
    }

    /** Inputs that are error rows already: what the walk could not read as a file (see {@link InputWalk}). */
    public List<InputWalk.Issue> issues() {
        return walk.issues();
    }

    /** Sorted names of the root's immediate sub-folders: the classes. */
    private static List<String> classFolders(FileSystem fs, Path root) throws IOException {
        List<String> names = new ArrayList<>();
        for (FileStatus f : fs.listStatus(root)) {
            String n = f.getPath().getName();
            if (f.isDirectory() && !n.startsWith(".") && !n.startsWith("_")) {
                names.add(n);
            }
        }
        names.sort(String::compareTo);
        return List.copyOf(names);
    }

    public boolean isIdx() {
        return !idx.isEmpty();
    }

    public String rootUri() {
        return root.toString();
    }

    /** The walk's digest of what it found ({@link InputWalk.Result#digest}); null for IDX input. */
    public String listingDigest() {
        return walk.digest();
    }

    /** Inputs: listed files and walk issues, or IDX images. */
    public long files() {
        return walk.inputs();
    }

    public long bytes() {
        return walk.bytes();
    }

    public List<String> classNames() {
        if (isIdx()) {
            return List.of();
        }
        return classNames;
    }

    public Map<String, Integer> classIndex() {
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < classNames.size(); i++) {
            index.put(classNames.get(i), i);
        }
        return index;
    }

    public String describe() {
        return isIdx() ? "IDX images " + idx.stream().map(f -> new Path(f.images()).getName()).toList()
                : classNames.size() + " class folder(s)";
    }

    /**
     * The listing as rows {@code path, modificationTime, length}, in listing order, read back from the
     * file the walk wrote; the tasks read the bytes.
     */
    public Dataset<Row> listedFiles() {
        Column parts = split(col("value"), "\t");
        return spark.read().text(listing.toString()).select(
                parts.getItem(0).as("path"),
                timestamp_millis(parts.getItem(2).cast(DataTypes.LongType)).as("modificationTime"),
                parts.getItem(1).cast(DataTypes.LongType).as("length"));
    }

    /** IDX image ranges, one per partition, each at most a few thousand images. */
    public Dataset<Row> idxRanges(int partitions) {
        List<Row> ranges = new ArrayList<>();
        int perRange = (int) Math.max(1, Math.min(2000, Math.ceil((double) files() / partitions)));
        for (IdxFile f : idx) {
            long bytesPerImage = f.bytes() / Math.max(1, f.header().count());
            for (int first = 0; first < f.header().count(); first += perRange) {
                int end = Math.min(f.header().count(), first + perRange);
                ranges.add(RowFactory.create(f.images(), f.labels(), first, end, f.header().rows(), f.header().cols(),
                        bytesPerImage, new Timestamp(f.modified())));
            }
        }
        var rdd = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(ranges,
                Math.max(1, ranges.size()));
        return spark.createDataFrame(rdd, IDX_RANGE);
    }

    /**
     * Decodes the calibration sample on the driver, at most {@code n} inputs ({@link CalibrationSample}; of IDX
     * files, the first file's first {@code n} images), skipping ones that fail: those will be error rows like any
     * other.
     */
    public List<Sample> sample(int n) {
        List<Sample> sample = new ArrayList<>();
        if (n <= 0) {
            return sample;
        }
        Preprocess preprocess = config.ingest().preprocess();
        try {
            if (isIdx()) {
                IdxFile f = idx.get(0);
                try (InputStream in = IdxFormat.open(fs.open(new Path(f.images())), f.images())) {
                    IdxFormat.readImagesHeader(in, f.images());
                    int pixels = f.header().rows() * f.header().cols();
                    byte[] buffer = new byte[pixels];
                    for (int i = 0; i < Math.min(n, f.header().count()); i++) {
                        new java.io.DataInputStream(in).readFully(buffer);
                        try {
                            sample.add(new Sample(f.images() + "#" + i,
                                    preprocess.applyGray(f.header().rows(), f.header().cols(), buffer)));
                        } catch (ImageFailure skipped) {
                            // The executors will report it as an error row.
                        }
                    }
                }
                return sample;
            }
            for (Path path : walk.sample().subList(0, Math.min(n, walk.sample().size()))) {
                try {
                    byte[] bytes = FileBytes.read(path.toUri().toString(), 0, config.ingest().maxFileBytes(),
                            spark.sparkContext().hadoopConfiguration());
                    sample.add(new Sample(path.toString(), preprocess.apply(bytes)));
                } catch (ImageFailure skipped) {
                    // The executors will report it as an error row.
                }
            }
            return sample;
        } catch (IOException e) {
            throw new UncheckedIOException("reading the sample of " + config.input() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The height and width all sample images share.
     *
     * @throws ValidationException if they differ: the user must pass a size
     */
    public static ImageShape commonSize(List<Sample> sample) {
        Map<String, List<Sample>> bySize = sample.stream().collect(Collectors.groupingBy(
                s -> s.image().shape().height() + "x" + s.image().shape().width(), LinkedHashMap::new,
                Collectors.toList()));
        if (bySize.size() > 1) {
            List<String> examples = bySize.values().stream().limit(2)
                    .map(l -> l.get(0).image().shape().height() + "x" + l.get(0).image().shape().width() + " ("
                            + new Path(l.get(0).source()).getName() + ")")
                    .toList();
            throw new ValidationException("input images have different sizes, e.g. " + String.join(" and ", examples)
                    + "; pass --size HxW (for example --size 224x224) to resize them to one size");
        }
        return sample.isEmpty() ? null : sample.get(0).image().shape();
    }
}
