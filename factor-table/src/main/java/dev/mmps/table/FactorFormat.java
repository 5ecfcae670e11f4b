package dev.mmps.table;

import dev.mmps.tensor.baseline.CpCodec;
import dev.mmps.tensor.baseline.SvdCodec;
import dev.mmps.tensor.baseline.TuckerCodec;
import dev.mmps.tensor.codec.ImageFactors;
import dev.mmps.tensor.codec.MmpsFactors;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.tt.Mps;
import java.util.ArrayList;
import java.util.List;

/**
 * The factor table's public format, version {@value #SCHEMA_VERSION}: column names and how each
 * codec's factors fill the {@code stages} column. {@code docs/FORMAT.md} describes it for readers
 * in other languages; this class is its single definition in Java, used by the Spark writer and
 * the Parquet reader alike. Blob encodings per {@code dtype} are in {@link Precision}.
 */
public final class FactorFormat {

    /** Bumped on any change a reader must know about. */
    public static final int SCHEMA_VERSION = 2;
    public static final String DTYPE_FLOAT32 = "float32";
    public static final String CODEC_MMPS = "mmps";
    /** The oldest schema this reader reads; version 1 tables hold MMPS rows at float32 only. */
    public static final int OLDEST_READABLE_VERSION = 1;

    // Identity and label.
    public static final String ID = "id";
    public static final String SOURCE = "source";
    public static final String SOURCE_BYTES = "source_bytes";
    public static final String SOURCE_MODIFIED = "source_modified";
    public static final String LABEL = "label";
    public static final String CLASS_NAME = "class_name";
    // The image after preprocessing.
    public static final String HEIGHT = "height";
    public static final String WIDTH = "width";
    public static final String CHANNELS = "channels";
    // The tensor layout.
    public static final String LAYOUT = "layout";
    public static final String INDEX_ORDER = "index_order";
    public static final String DIMS = "dims";
    public static final String PADDED_HEIGHT = "padded_height";
    public static final String PADDED_WIDTH = "padded_width";
    // The factors.
    public static final String CODEC = "codec";
    public static final String DTYPE = "dtype";
    public static final String STAGES = "stages";
    public static final String RANKS = "ranks";
    public static final String CORES = "cores";
    // Per-image statistics.
    public static final String PARAMETERS = "parameters";
    public static final String RATIO = "ratio";
    public static final String RELATIVE_ERROR = "relative_error";
    public static final String PSNR_DB = "psnr_db";
    public static final String ERROR_BOUND = "error_bound";
    public static final String DISCARDED = "discarded";

    // The error table.
    public static final String ERROR_STEP = "step";
    public static final String ERROR_REASON = "reason";

    private FactorFormat() {}

    /**
     * One entry of the {@code stages} column: integers and one blob per factor, read according to
     * the row's codec (see {@code docs/FORMAT.md}): an MPS stage's bond dimensions and cores; a
     * channel's rank and its two SVD factors; Tucker's ranks, core and factor matrices; CP's rank
     * and factor matrices.
     */
    public record StoredStage(int[] ranks, List<byte[]> cores) {}

    /** The layout recorded for a baseline codec: the image itself as an {@code H x W x C} tensor. */
    public static TensorLayout plainLayout(ImageShape shape) {
        return TensorLayout.parse("row:" + shape.height() + "," + shape.width() + "," + shape.channels(), shape);
    }

    /** The layout a row records for these factors. */
    public static TensorLayout layoutOf(ImageFactors factors) {
        return factors instanceof MmpsFactors m ? m.layout() : plainLayout(factors.shape());
    }

    /** The stored stages of any codec's factors, at float32. */
    public static List<StoredStage> encode(ImageFactors factors) {
        return encode(factors, Precision.FP32);
    }

    /** The stored stages of any codec's factors at a precision. */
    public static List<StoredStage> encode(ImageFactors factors, Precision p) {
        List<StoredStage> stages = new ArrayList<>();
        ImageShape shape = factors.shape();
        if (factors instanceof MmpsFactors m) {
            for (Mps mps : m.stages()) {
                List<byte[]> cores = new ArrayList<>();
                int[] ranks = mps.ranks();
                for (int k = 0; k < mps.cores(); k++) {
                    cores.add(p.encode(mps.core(k), ranks[k]));
                }
                stages.add(new StoredStage(ranks, cores));
            }
        } else if (factors instanceof SvdCodec.Factors f) {
            for (int c = 0; c < shape.channels(); c++) {
                stages.add(new StoredStage(new int[] {1, f.rank(), 1},
                        List.of(p.encode(f.u()[c], shape.height()), p.encode(f.w()[c], f.rank()))));
            }
        } else if (factors instanceof TuckerCodec.Factors f) {
            stages.add(new StoredStage(f.ranks().clone(), List.of(p.encode(f.core(), f.ranks()[0]),
                    p.encode(f.u1(), shape.height()), p.encode(f.u2(), shape.width()), p.encode(f.u3(), shape.channels()))));
        } else if (factors instanceof CpCodec.Factors f) {
            stages.add(new StoredStage(new int[] {f.rank()}, List.of(p.encode(f.a(), shape.height()),
                    p.encode(f.b(), shape.width()), p.encode(f.c(), shape.channels()))));
        } else {
            throw new IllegalArgumentException("no stored form for " + factors.getClass().getSimpleName());
        }
        return stages;
    }

    /**
     * Rebuilds the MMPS factors of one float32 row.
     *
     * @throws IllegalArgumentException if the row is inconsistent (a core's size does not match its
     *     ranks and dimension, or the layout does not fit the shape)
     */
    public static MmpsFactors decode(ImageShape shape, String layoutSpec, List<StoredStage> stages) {
        return decode(TensorLayout.parse(layoutSpec, shape), stages);
    }

    /** Rebuilds the MMPS factors of one float32 row whose layout is already parsed. */
    public static MmpsFactors decode(TensorLayout layout, List<StoredStage> stages) {
        return (MmpsFactors) decode(CODEC_MMPS, DTYPE_FLOAT32, layout, stages);
    }

    /**
     * Rebuilds the factors of one row of any codec and dtype.
     *
     * @throws IllegalArgumentException if the codec or dtype is unknown or a factor's size does not
     *     match its ranks and dimensions
     */
    public static ImageFactors decode(String codec, String dtype, TensorLayout layout, List<StoredStage> stages) {
        ImageShape shape = layout.shape();
        switch (codec) {
            case "mmps", "mps" -> {
                int[] dims = layout.dims();
                List<Mps> mps = new ArrayList<>();
                for (StoredStage stage : stages) {
                    float[][] cores = new float[stage.cores().size()][];
                    for (int k = 0; k < cores.length; k++) {
                        cores[k] = Precision.decode(dtype, stage.cores().get(k));
                    }
                    mps.add(new Mps(dims, stage.ranks(), cores));
                }
                return new MmpsFactors(layout, mps);
            }
            case "svd" -> {
                require(stages.size() == shape.channels(), codec, "one stage per channel");
                int rank = stages.get(0).ranks()[1];
                float[][] u = new float[shape.channels()][];
                float[][] w = new float[shape.channels()][];
                for (int c = 0; c < u.length; c++) {
                    List<byte[]> blobs = stages.get(c).cores();
                    require(blobs.size() == 2 && stages.get(c).ranks()[1] == rank, codec, "two factors of one rank");
                    u[c] = sized(Precision.decode(dtype, blobs.get(0)), (long) shape.height() * rank, codec);
                    w[c] = sized(Precision.decode(dtype, blobs.get(1)), (long) rank * shape.width(), codec);
                }
                return new SvdCodec.Factors(shape, rank, u, w);
            }
            case "tucker" -> {
                require(stages.size() == 1 && stages.get(0).ranks().length == 3
                        && stages.get(0).cores().size() == 4, codec, "one stage of three ranks and four factors");
                int[] r = stages.get(0).ranks();
                List<byte[]> b = stages.get(0).cores();
                return new TuckerCodec.Factors(shape, r.clone(),
                        sized(Precision.decode(dtype, b.get(0)), (long) r[0] * r[1] * r[2], codec),
                        sized(Precision.decode(dtype, b.get(1)), (long) shape.height() * r[0], codec),
                        sized(Precision.decode(dtype, b.get(2)), (long) shape.width() * r[1], codec),
                        sized(Precision.decode(dtype, b.get(3)), (long) shape.channels() * r[2], codec));
            }
            case "cp" -> {
                require(stages.size() == 1 && stages.get(0).ranks().length == 1
                        && stages.get(0).cores().size() == 3, codec, "one stage of one rank and three factors");
                int r = stages.get(0).ranks()[0];
                List<byte[]> b = stages.get(0).cores();
                float[] a = sized(Precision.decode(dtype, b.get(0)), (long) shape.height() * r, codec);
                float[] bb = sized(Precision.decode(dtype, b.get(1)), (long) shape.width() * r, codec);
                float[] c = sized(Precision.decode(dtype, b.get(2)), (long) shape.channels() * r, codec);
                return new CpCodec.Factors(shape, r, a, bb, c, 0, Double.NaN);
            }
            default -> throw new IllegalArgumentException("codec '" + codec + "' is unknown to this reader: it reads "
                    + "mmps, mps, svd, cp and tucker; a newer mmps wrote this table");
        }
    }

    private static void require(boolean ok, String codec, String what) {
        if (!ok) {
            throw new IllegalArgumentException("a " + codec + " row must hold " + what);
        }
    }

    private static float[] sized(float[] values, long expected, String codec) {
        if (values.length != expected) {
            throw new IllegalArgumentException("a " + codec + " factor holds " + values.length + " values where its "
                    + "ranks and dimensions make " + expected);
        }
        return values;
    }
}
