package dev.mmps.spark.source;

import dev.mmps.settings.ValidationException;
import dev.mmps.spark.compress.ClosingIterator;
import dev.mmps.spark.select.SelectJob;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.table.FactorFormat;
import dev.mmps.table.FactorTableReader;
import dev.mmps.table.ManifestFiles;
import dev.mmps.table.TableManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.sources.PrunedFilteredScan;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A factor or subset table as a relation. The manifest's schema version is checked when the relation is made.
 * A query reads only the Parquet columns it needs: a query on labels or ids never reads the factor blobs, and
 * the {@code image} column reads the factor columns and rebuilds each image on the executor. Filters on the
 * stored columns go to Parquet's own pushdown ({@link PushedFilters}).
 */
final class FactorRelation extends BaseRelation implements PrunedFilteredScan {

    /** The column of rebuilt images, when the relation decodes. */
    static final String IMAGE = "image";

    /** Columns only a {@code decode = none} relation shows: a decoding one shows the image they make instead. */
    private static final Set<String> FACTOR_ONLY = Set.of(FactorFormat.STAGES, FactorFormat.DISCARDED);

    private final SQLContext context;
    /** The Parquet files or folder the relation reads. */
    private final String[] files;
    private final ImageColumn decode;
    private final StructType stored;
    private final StructType schema;

    private FactorRelation(SQLContext context, String[] files, ImageColumn decode, StructType stored) {
        this.context = context;
        this.files = files;
        this.decode = decode;
        this.stored = stored;
        StructType shown = new StructType();
        for (StructField f : stored.fields()) {
            if (decode == null || !FACTOR_ONLY.contains(f.name())) {
                shown = shown.add(f);
            }
        }
        this.schema = decode == null ? shown : shown.add(IMAGE, decode.type(), true);
    }

    /**
     * @param decode {@code image}, {@code array} or {@code none}; null for the table's default
     * @param version the version of an output of Delta tables, or null for the newest
     * @throws ValidationException if the folder holds no table, a newer mmps wrote it, a subset is asked to
     *     decode, or a version is asked of a table that has none
     */
    static FactorRelation open(SQLContext context, String path, String decode, Long version) {
        Configuration conf = context.sparkSession().sessionState().newHadoopConf();
        boolean subset = exists(new Path(path, SelectJob.SELECTION), conf);
        String[] files;
        if (subset) {
            ManifestFiles.readSubset(path, conf);
            ValidationException.check(version == null, path + " is a subset table, which keeps one version only; "
                    + "leave out option " + MmpsDataSource.VERSION);
            files = new String[] {new Path(path, SelectJob.SELECTION).toString()};
            if (decode != null && !decode.equalsIgnoreCase("none")) {
                throw new ValidationException(path + " is a subset table (of mmps select): it names images by id and "
                        + "holds no factors to decode; read it with option(\"decode\", \"none\") and join it with a "
                        + "factor table on id");
            }
        } else {
            TableManifest manifest = ManifestFiles.readTable(path, version, conf);
            // A Delta output's folder also holds files of other versions: read those its log names.
            files = manifest.delta() == null ? new String[] {new Path(path, FactorTableReader.FACTORS).toString()}
                    : FactorTableReader.parts(path, manifest.delta().version(), conf).stream().map(Path::toString)
                            .toArray(String[]::new);
        }
        ImageColumn column = subset || (decode != null && decode.equalsIgnoreCase("none")) ? null
                : ImageColumn.parse(decode == null ? "image" : decode, "option decode");
        StructType stored = files.length == 0 ? FactorRows.FACTORS
                : context.sparkSession().read().parquet(files).schema();
        return new FactorRelation(context, files, column, stored);
    }

    private static boolean exists(Path path, Configuration conf) {
        try {
            return path.getFileSystem(conf).exists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look at " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public SQLContext sqlContext() {
        return context;
    }

    @Override
    public StructType schema() {
        return schema;
    }

    /** Spark evaluates every filter again: pushing is only a saving. */
    @Override
    public Filter[] unhandledFilters(Filter[] filters) {
        return filters;
    }

    @Override
    public RDD<Row> buildScan(String[] requiredColumns, Filter[] filters) {
        List<String> required = Arrays.asList(requiredColumns);
        Dataset<Row> rows = stored(required, filters);
        if (decode == null || !required.contains(IMAGE)) {
            return rows.rdd();
        }
        List<String> read = Arrays.asList(rows.columns());
        int[] from = required.stream().mapToInt(c -> c.equals(IMAGE) ? -1 : read.indexOf(c)).toArray();
        ImageColumn.Appender appender = new ImageColumn.Appender(decode, ImageColumn.positions(rows.schema()));
        StructType out = new StructType(required.stream().map(c -> schema.apply(c)).toArray(StructField[]::new));
        return rows.mapPartitions((MapPartitionsFunction<Row, Row>) it -> {
            FactorImages images = new FactorImages();
            return new ClosingIterator<>(it, images, row -> {
                Object[] values = new Object[from.length];
                for (int i = 0; i < from.length; i++) {
                    values[i] = from[i] < 0 ? appender.image(row, images) : row.get(from[i]);
                }
                return RowFactory.create(values);
            });
        }, Encoders.row(out)).rdd();
    }

    /**
     * The stored columns a scan reads, from Parquet, with the filters it can push: the required ones, and for the
     * image column the ones it is rebuilt from.
     */
    Dataset<Row> stored(List<String> required, Filter[] filters) {
        Set<String> read = new LinkedHashSet<>();
        required.stream().filter(c -> !c.equals(IMAGE)).forEach(read::add);
        if (decode != null && required.contains(IMAGE)) {
            read.addAll(ImageColumn.needed());
        }
        Dataset<Row> rows = context.sparkSession().read().schema(stored).parquet(files)
                .select(read.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new));
        for (Filter f : filters) {
            Column c = PushedFilters.column(f);
            if (c != null) {
                rows = rows.where(c);
            }
        }
        return rows;
    }

    @Override
    public String toString() {
        String where = files.length == 1 ? files[0] : files.length + " files of a Delta version";
        return "mmps table " + where + (decode == null ? "" : " (decode " + decode.name().toLowerCase() + ")");
    }
}
