package dev.mmps.spark.ml;

import dev.mmps.spark.compress.CompressionPlan;
import dev.mmps.spark.compress.StageSettings;
import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.spark.config.JobConfig;
import dev.mmps.spark.sink.TableFormat;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.table.ManifestFiles;
import dev.mmps.table.TableManifest;
import dev.mmps.tensor.codec.RankProfile;
import dev.mmps.tensor.layout.ImageShape;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted {@link MmpsEncoder}: compresses each row of its input column into a factor row, with the layout and
 * rank profile chosen on the sample it was fitted on. Everything it knows is in its parameters, so it saves and
 * loads as MLlib's models do ({@code model.write().save(path)}, {@link #load}).
 */
public final class MmpsEncoderModel extends Model<MmpsEncoderModel> implements DefaultParamsWritable {

    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> errorCol;
    private final Param<String> root;
    private final Param<String> labelCol;
    private final Param<String> settings;
    private final Param<String> rankProfile;
    private final Param<String> layoutSearch;
    private final Param<String> profileShape;
    private final Param<String> imageSize;
    private final StringArrayParam classes;

    public MmpsEncoderModel() {
        this(Identifiable.randomUID("mmpsEncoderModel"));
    }

    public MmpsEncoderModel(String uid) {
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol", "the image struct or the encoded bytes");
        errorCol = new Param<>(this, "errorCol", "the output column of why an input failed");
        root = new Param<>(this, "root", "the qualified folder ids are relative to; empty: none");
        labelCol = new Param<>(this, "labelCol", "an integer column of labels; empty: the class folder's index");
        settings = new Param<>(this, "settings", "the compress settings set when fitting, as JSON by parameter name");
        rankProfile = new Param<>(this, "rankProfile", "the calibrated rank profile as JSON; empty: none");
        layoutSearch = new Param<>(this, "layoutSearch", "the layout search on the sample as JSON; empty: none");
        profileShape = new Param<>(this, "profileShape", "HxWxC of the images the profile was measured on");
        imageSize = new Param<>(this, "imageSize", "HxW every image must have when they are not resized; empty: any");
        classes = new StringArrayParam(this, "classes", "the class folders, in label order");
        setDefault(inputCol, "image");
        setDefault(errorCol, "error");
        setDefault(root, "");
        setDefault(labelCol, "");
        setDefault(settings, "{}");
        setDefault(rankProfile, "");
        setDefault(layoutSearch, "");
        setDefault(profileShape, "");
        setDefault(imageSize, "");
        setDefault(classes, new String[0]);
    }

    /** Records what fitting found. */
    MmpsEncoderModel fitted(Map<String, Object> explicit, CompressionPlan.Sampled plan, String rootUri, String label,
            List<String> classNames, ImageShape size) {
        set(settings, ManifestFiles.toJsonString(explicit));
        set(rankProfile, plan.profile() == null ? ""
                : ManifestFiles.toJsonString(TableManifest.RankProfileEntry.of(plan.profile())));
        set(layoutSearch, plan.search() == null ? "" : ManifestFiles.toJsonString(plan.search()));
        set(profileShape, plan.shape() == null ? "" : plan.shape().height() + "x" + plan.shape().width() + "x"
                + plan.shape().channels());
        set(imageSize, size == null ? "" : size.height() + "x" + size.width());
        set(root, rootUri);
        set(labelCol, label);
        set(classes, classNames.toArray(new String[0]));
        return this;
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> inputCol() { return inputCol; }
    public Param<String> errorCol() { return errorCol; }
    public Param<String> root() { return root; }
    public Param<String> labelCol() { return labelCol; }
    public Param<String> settings() { return settings; }
    public Param<String> rankProfile() { return rankProfile; }
    public Param<String> layoutSearch() { return layoutSearch; }
    public Param<String> profileShape() { return profileShape; }
    public Param<String> imageSize() { return imageSize; }
    public StringArrayParam classes() { return classes; }

    public MmpsEncoderModel setInputCol(String value) {
        set(inputCol, Columns.named(value, "inputCol"));
        return this;
    }

    public MmpsEncoderModel setErrorCol(String value) {
        set(errorCol, Columns.named(value, "errorCol"));
        return this;
    }

    public String getInputCol() { return getOrDefault(inputCol); }
    public String getErrorCol() { return getOrDefault(errorCol); }

    /** The layout the rows of the sample's shape get (the searched one, or the profile's), or null. */
    public String getLayout() {
        RankProfile profile = profile();
        return profile == null ? null : profile.layoutSpec();
    }

    @Override
    public StructType transformSchema(StructType schema) {
        EncoderInput.of(schema, getInputCol(), getOrDefault(labelCol));
        return EncoderInput.output(getErrorCol());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        EncoderInput kind = EncoderInput.of(dataset.schema(), getInputCol(), getOrDefault(labelCol));
        String rootUri = getOrDefault(root);
        EncodeFunction encode = new EncodeFunction(stageSettings(), kind,
                rootUri.isEmpty() ? null : FactorRows.Origin.rootPath(rootUri));
        return kind.normalized(dataset, getInputCol(), getOrDefault(labelCol)).mapPartitions(encode,
                Encoders.row(out));
    }

    /**
     * Writes this model's output ({@link #transform}) as an mmps output folder, as {@code compress} writes one:
     * {@code factors/} (the compressed rows), {@code errors/} (the inputs that failed) and {@code manifest.json},
     * committed together. {@code format("mmps")}, the Java and Python readers and the training stage read it.
     *
     * @param overwrite whether an existing output may be replaced
     * @return the manifest written
     * @throws dev.mmps.settings.ValidationException if the output exists and {@code overwrite} is false, or the
     *     rows are not this stage's output
     */
    public TableManifest writeTable(Dataset<Row> transformed, String output, boolean overwrite) {
        return writeTable(transformed, output, overwrite, TableFormat.PARQUET.label());
    }

    /**
     * Writes this model's output as {@link #writeTable(Dataset, String, boolean)} does, with {@code factors/} and
     * {@code errors/} as Parquet folders ({@code parquet}) or as Delta tables ({@code delta}: one commit of each,
     * the manifest in the factor table's, as {@code compress --table-format delta} writes them).
     *
     * @throws dev.mmps.settings.ValidationException also for an unknown format, or {@code delta} in a session
     *     without Delta's settings
     */
    public TableManifest writeTable(Dataset<Row> transformed, String output, boolean overwrite, String tableFormat) {
        TableFormat format;
        try {
            format = TableFormat.parse(tableFormat);
        } catch (IllegalArgumentException e) {
            throw new dev.mmps.settings.ValidationException(e.getMessage(), e);
        }
        StructType expected = EncoderInput.output(getErrorCol());
        if (!java.util.Arrays.asList(transformed.columns()).containsAll(java.util.Arrays.asList(expected.fieldNames()))) {
            throw new dev.mmps.settings.ValidationException("the rows to write lack the encoder's columns "
                    + java.util.Arrays.toString(expected.fieldNames()) + "; pass what transform returned");
        }
        JobConfig config = EncoderSettings.load(explicit()).withTableFormat(format);
        String shape = getOrDefault(profileShape);
        String search = getOrDefault(layoutSearch);
        return dev.mmps.spark.compress.EncodedTable.write(transformed.sparkSession(), transformed, getErrorCol(),
                output, overwrite, new dev.mmps.spark.compress.EncodedTable.Made(config,
                        new TableManifest.Input(getOrDefault(root), TableManifest.KIND_IMAGE_FOLDERS,
                                List.of(getOrDefault(classes)), null),
                        stageSettings().spec().stages(), profile(), search.isEmpty() ? null
                                : ManifestFiles.fromJsonString(search, TableManifest.LayoutSearchEntry.class,
                                        "parameter layoutSearch of " + uid)));
    }

    /** What each task needs, rebuilt from the parameters as the compress job builds it from its sample. */
    StageSettings stageSettings() {
        JobConfig config = EncoderSettings.load(explicit());
        String shape = getOrDefault(profileShape);
        String size = getOrDefault(imageSize);
        Map<String, Integer> classIndex = new HashMap<>();
        String[] names = getOrDefault(classes);
        for (int i = 0; i < names.length; i++) {
            classIndex.put(names[i], i);
        }
        return new StageSettings(CompressionPlan.planned(config.compression(), profile(), shape.isEmpty() ? null
                : ImageShape.parse(shape)), config.compression().codec(), config.compression().precision(),
                config.compression().route(), config.ingest().preprocess(), config.ingest().maxFileBytes(),
                getOrDefault(root), classIndex, size.isEmpty() ? null : ConfigLoader.parseSize(size));
    }

    /** The settings set when fitting, by parameter name. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> explicit() {
        return ManifestFiles.fromJsonString(getOrDefault(settings), LinkedHashMap.class, "parameter settings of " + uid);
    }

    private RankProfile profile() {
        String json = getOrDefault(rankProfile);
        return json.isEmpty() ? null : ManifestFiles.fromJsonString(json, TableManifest.RankProfileEntry.class,
                "parameter rankProfile of " + uid).profile();
    }

    @Override
    public MmpsEncoderModel copy(ParamMap extra) {
        return copyValues(new MmpsEncoderModel(uid), extra).setParent(parent());
    }

    public static MLReader<MmpsEncoderModel> read() {
        return new DefaultParamsReader<>();
    }

    public static MmpsEncoderModel load(String path) {
        return read().load(path);
    }
}
