package dev.mmps.spark.ml;

import static org.apache.spark.sql.functions.col;

import com.typesafe.config.Config;
import dev.mmps.images.ImageFailure;
import dev.mmps.settings.ValidationException;
import dev.mmps.spark.compress.CompressionPlan;
import dev.mmps.spark.config.JobConfig;
import dev.mmps.spark.ingest.CalibrationSample;
import dev.mmps.spark.ingest.FileBytes;
import dev.mmps.spark.ingest.InputScan;
import dev.mmps.spark.sink.FactorRows;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compression as a Spark ML pipeline stage. {@link #fit} does on a sample of its input what {@code compress} does
 * on the driver before any task runs: draws {@code calibrationImages} images spread over the input as
 * {@code compress} does, decodes them, chooses the layout and calibrates the rank profile; the fitted
 * {@link MmpsEncoderModel} compresses every row with them. The input column is the struct of Spark's
 * {@code image} data source or the {@code content} of {@code binaryFile}; the output has the factor table's
 * columns (so its compressed rows written as Parquet are a factor table) and an error struct for the inputs that
 * could not be compressed.
 *
 * <p>Each parameter is a setting of {@code compress} ({@code conf/reference.conf} documents them) and is
 * checked when set, with the job's messages. {@code root}: the folder that ids are relative to and whose
 * first-level folders are the classes, as {@code compress --input}; empty to use each file's path as its id.
 */
public final class MmpsEncoder extends Estimator<MmpsEncoderModel> implements DefaultParamsWritable {

    private static final Logger LOG = LoggerFactory.getLogger(MmpsEncoder.class);

    private final String uid;
    private final DoubleParam ratio;
    private final IntParam stages;
    private final Param<String> codec;
    private final Param<String> precision;
    private final Param<String> layout;
    private final Param<String> size;
    private final Param<String> channels;
    private final Param<String> decoder;
    private final Param<String> route;
    private final IntParam calibrationImages;
    private final LongParam maxPixels;
    private final LongParam maxFileBytes;
    private final Param<String> inputCol;
    private final Param<String> errorCol;
    private final Param<String> root;
    private final Param<String> labelCol;

    public MmpsEncoder() {
        this(Identifiable.randomUID("mmpsEncoder"));
    }

    public MmpsEncoder(String uid) {
        this.uid = uid;
        Config defaults = EncoderSettings.reference();
        ratio = new DoubleParam(this, "ratio", "stored values over pixel values, in (0, 1]");
        stages = new IntParam(this, "stages", "matrix product states summed per image (2 is the paper's MMPS)");
        codec = new Param<>(this, "codec", "mmps, mps, svd, cp or tucker");
        precision = new Param<>(this, "precision", "fp32, fp16, int8 or int8-core");
        layout = new Param<>(this, "layout", "a layout spec, or auto to choose on the sample");
        size = new Param<>(this, "size", "HxW to resize every image to, or empty to keep their size");
        channels = new Param<>(this, "channels", "auto, rgb or gray");
        decoder = new Param<>(this, "decoder", "auto, opencv or imageio (for binary input)");
        route = new Param<>(this, "route", "the SVD route");
        calibrationImages = new IntParam(this, "calibrationImages", "sample images that choose the layout and "
                + "calibrate the ranks (0: uniform caps)");
        maxPixels = new LongParam(this, "maxPixels", "largest image, in pixels, that is decoded");
        maxFileBytes = new LongParam(this, "maxFileBytes", "largest encoded image, in bytes, that is decoded");
        inputCol = new Param<>(this, "inputCol", "the image struct or the encoded bytes");
        errorCol = new Param<>(this, "errorCol", "the output column of why an input failed");
        root = new Param<>(this, "root", "the folder ids are relative to, whose folders are the classes; empty: none");
        labelCol = new Param<>(this, "labelCol", "an integer column of labels; empty: the class folder's index");
        setDefault(ratio, defaults.getDouble(EncoderSettings.key("ratio")));
        setDefault(stages, defaults.getInt(EncoderSettings.key("stages")));
        setDefault(codec, defaults.getString(EncoderSettings.key("codec")));
        setDefault(precision, defaults.getString(EncoderSettings.key("precision")));
        setDefault(layout, defaults.getString(EncoderSettings.key("layout")));
        setDefault(size, defaults.getString(EncoderSettings.key("size")));
        setDefault(channels, defaults.getString(EncoderSettings.key("channels")));
        setDefault(decoder, defaults.getString(EncoderSettings.key("decoder")));
        setDefault(route, defaults.getString(EncoderSettings.key("route")));
        setDefault(calibrationImages, defaults.getInt(EncoderSettings.key("calibrationImages")));
        setDefault(maxPixels, defaults.getLong(EncoderSettings.key("maxPixels")));
        setDefault(maxFileBytes, defaults.getBytes(EncoderSettings.key("maxFileBytes")));
        setDefault(inputCol, "image");
        setDefault(errorCol, "error");
        setDefault(root, "");
        setDefault(labelCol, "");
    }

    @Override
    public String uid() {
        return uid;
    }

    public DoubleParam ratio() { return ratio; }
    public IntParam stages() { return stages; }
    public Param<String> codec() { return codec; }
    public Param<String> precision() { return precision; }
    public Param<String> layout() { return layout; }
    public Param<String> size() { return size; }
    public Param<String> channels() { return channels; }
    public Param<String> decoder() { return decoder; }
    public Param<String> route() { return route; }
    public IntParam calibrationImages() { return calibrationImages; }
    public LongParam maxPixels() { return maxPixels; }
    public LongParam maxFileBytes() { return maxFileBytes; }
    public Param<String> inputCol() { return inputCol; }
    public Param<String> errorCol() { return errorCol; }
    public Param<String> root() { return root; }
    public Param<String> labelCol() { return labelCol; }

    public MmpsEncoder setRatio(double value) { return setting(ratio, value); }
    public MmpsEncoder setStages(int value) { return setting(stages, value); }
    public MmpsEncoder setCodec(String value) { return setting(codec, value); }
    public MmpsEncoder setPrecision(String value) { return setting(precision, value); }
    public MmpsEncoder setLayout(String value) { return setting(layout, value); }
    public MmpsEncoder setSize(String value) { return setting(size, value); }
    public MmpsEncoder setChannels(String value) { return setting(channels, value); }
    public MmpsEncoder setDecoder(String value) { return setting(decoder, value); }
    public MmpsEncoder setRoute(String value) { return setting(route, value); }
    public MmpsEncoder setCalibrationImages(int value) { return setting(calibrationImages, value); }
    public MmpsEncoder setMaxPixels(long value) { return setting(maxPixels, value); }
    public MmpsEncoder setMaxFileBytes(long value) { return setting(maxFileBytes, value); }

    public MmpsEncoder setInputCol(String value) {
        set(inputCol, Columns.named(value, "inputCol"));
        return this;
    }

    public MmpsEncoder setErrorCol(String value) {
        set(errorCol, Columns.named(value, "errorCol"));
        return this;
    }

    public MmpsEncoder setRoot(String value) {
        set(root, value == null ? "" : value);
        return this;
    }

    public MmpsEncoder setLabelCol(String value) {
        set(labelCol, value == null ? "" : value);
        return this;
    }

    public double getRatio() { return (Double) getOrDefault(ratio); }
    public int getStages() { return (Integer) getOrDefault(stages); }
    public String getCodec() { return getOrDefault(codec); }
    public String getLayout() { return getOrDefault(layout); }
    public String getInputCol() { return getOrDefault(inputCol); }
    public String getErrorCol() { return getOrDefault(errorCol); }
    public String getRoot() { return getOrDefault(root); }
    public String getLabelCol() { return getOrDefault(labelCol); }

    /** Sets a parameter that is a setting of the job, checked at once with the others set so far. */
    private <T> MmpsEncoder setting(Param<T> param, T value) {
        Map<String, Object> values = explicitSettings();
        values.put(param.name(), value);
        EncoderSettings.load(values);
        set(param, value);
        return this;
    }

    /** The settings set explicitly, by parameter name (the others keep {@code reference.conf}'s defaults). */
    Map<String, Object> explicitSettings() {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String name : EncoderSettings.KEYS.keySet()) {
            Param<Object> p = getParam(name);
            if (isSet(p)) {
                values.put(name, getOrDefault(p));
            }
        }
        return values;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        EncoderSettings.load(explicitSettings());
        EncoderInput.of(schema, getInputCol(), getLabelCol());
        return EncoderInput.output(getErrorCol());
    }

    @Override
    public MmpsEncoderModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        Map<String, Object> settings = explicitSettings();
        JobConfig config = EncoderSettings.load(settings);
        EncoderInput kind = EncoderInput.of(dataset.schema(), getInputCol(), getLabelCol());
        String rootUri = getRoot().isEmpty() ? "" : qualified(dataset, getRoot());
        List<InputScan.Sample> sample = sample(dataset, kind, config, rootUri);
        if (!config.ingest().preprocess().resizes()) {
            InputScan.commonSize(sample);
        }
        CompressionPlan.Sampled plan = CompressionPlan.plan(config.compression(),
                sample.stream().map(InputScan.Sample::image).toList(), null, null);
        List<String> classes = rootUri.isEmpty() || !getLabelCol().isEmpty() ? List.of()
                : classes(dataset, kind, FactorRows.Origin.rootPath(rootUri));
        LOG.info("Fitted the encoder on {} sample image(s): layout {}, {} class(es)", sample.size(),
                plan.profile() == null ? config.compression().layout().layoutLabel() : plan.profile().layoutSpec(),
                classes.size());
        MmpsEncoderModel model = new MmpsEncoderModel(uid).fitted(settings, plan, rootUri, getLabelCol(), classes,
                sample.isEmpty() || config.ingest().preprocess().resizes() ? null : sample.get(0).image().shape());
        model.setInputCol(getInputCol()).setErrorCol(getErrorCol());
        return model.setParent(this);
    }

    /**
     * The sample images that decode, drawn as {@code compress} draws its sample from its listing
     * ({@link CalibrationSample}: the inputs whose ids below the root have the smallest keys; without a root, keyed
     * on the sources), in path order. The draw looks at the names alone; for bytes input only the sample's files are
     * then read (on the driver, as {@code compress} reads its sample), not every file's content.
     */
    private List<InputScan.Sample> sample(Dataset<?> dataset, EncoderInput kind, JobConfig config, String rootUri) {
        int n = config.compression().calibrationImages();
        List<InputScan.Sample> out = new ArrayList<>();
        if (n == 0) {
            return out;
        }
        Dataset<Row> rows = kind.normalized(dataset, getInputCol(), "");
        rows = rows.where(kind.nonEmpty());
        if (kind == EncoderInput.BYTES) {
            rows = rows.select(EncoderInput.SOURCE, EncoderInput.BYTES_COL);
        }
        String rootPath = rootUri.isEmpty() ? null : FactorRows.Origin.rootPath(rootUri);
        UserDefinedFunction key = functions.udf((UDF1<String, Long>) source -> CalibrationSample.key(
                rootPath == null ? source : FactorRows.Origin.relativeId(rootPath, source)), DataTypes.LongType);
        List<Row> first = new ArrayList<>(rows.orderBy(key.apply(col(EncoderInput.SOURCE)), col(EncoderInput.SOURCE))
                .limit(n).collectAsList());
        first.sort(Comparator.comparing(r -> r.getString(0)));
        var hadoop = dataset.sparkSession().sessionState().newHadoopConf();
        for (Row row : first) {
            try {
                var preprocess = config.ingest().preprocess();
                out.add(new InputScan.Sample(row.getString(0), kind == EncoderInput.BYTES
                        ? preprocess.apply(FileBytes.read(row.getString(0), row.getLong(1),
                                config.ingest().maxFileBytes(), hadoop))
                        : kind.decode(row, preprocess, config.ingest().maxFileBytes())));
            } catch (ImageFailure skipped) {
                // The transform reports it as an error value.
            }
        }
        return out;
    }

    /** The sorted names of the first-level folders below the root that hold inputs: the classes. */
    private List<String> classes(Dataset<?> dataset, EncoderInput kind, String rootPath) {
        return kind.normalized(dataset, getInputCol(), "").select(EncoderInput.SOURCE)
                .map((MapFunction<Row, String>) r -> {
                    String id = FactorRows.Origin.relativeId(rootPath, r.getString(0));
                    int slash = id.indexOf('/');
                    return slash > 0 ? id.substring(0, slash) : "";
                }, Encoders.STRING())
                .distinct().collectAsList().stream().filter(c -> !c.isEmpty()).sorted().toList();
    }

    /** The root as a qualified URI, as {@code compress} records its input. */
    private static String qualified(Dataset<?> dataset, String root) {
        try {
            Path path = new Path(root);
            return path.getFileSystem(dataset.sparkSession().sessionState().newHadoopConf()).makeQualified(path)
                    .toUri().toString();
        } catch (java.io.IOException e) {
            throw new ValidationException("root " + root + " cannot be resolved (" + e.getMessage() + "); setRoot to "
                    + "the folder the images are in, or to \"\"", e);
        }
    }

    @Override
    public MmpsEncoder copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<MmpsEncoder> read() {
        return new DefaultParamsReader<>();
    }

    public static MmpsEncoder load(String path) {
        return read().load(path);
    }
}
