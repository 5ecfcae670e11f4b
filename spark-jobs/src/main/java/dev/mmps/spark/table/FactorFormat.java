package dev.mmps.spark.table;

import dev.mmps.tensor.codec.MmpsFactors;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.TensorLayout;
import dev.mmps.tensor.tt.Mps;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The factor table's public format, version {@value #SCHEMA_VERSION}: column names and the
 * encoding of cores. {@code docs/FORMAT.md} describes it for readers in other languages; this
 * class is its single definition in Java, used by the Spark writer and the Parquet reader alike.
 *
 * <p>Cores are stored as little-endian float32 blobs ({@code dtype = "float32"}), row-major
 * {@code [r_{k-1}][j_k][r_k]}: {@code numpy.frombuffer(blob, "<f4").reshape(r0, j, r1)}.
 */
public final class FactorFormat {

    /** Bumped on any change a reader must know about. */
    public static final int SCHEMA_VERSION = 1;
    public static final String DTYPE_FLOAT32 = "float32";
    public static final String CODEC_MMPS = "mmps";

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

    /** One stage as stored: bond dimensions {@code r_0 .. r_n} and one blob per core. */
    public record StoredStage(int[] ranks, List<byte[]> cores) {}

    public static List<StoredStage> encode(MmpsFactors factors) {
        List<StoredStage> stages = new ArrayList<>();
        for (Mps mps : factors.stages()) {
            List<byte[]> cores = new ArrayList<>();
            for (int k = 0; k < mps.cores(); k++) {
                cores.add(encodeFloats(mps.core(k)));
            }
            stages.add(new StoredStage(mps.ranks(), cores));
        }
        return stages;
    }

    /**
     * Rebuilds the factors of one row.
     *
     * @throws IllegalArgumentException if the row is inconsistent (a core's size does not match its
     *     ranks and dimension, or the layout does not fit the shape)
     */
    public static MmpsFactors decode(ImageShape shape, String layoutSpec, List<StoredStage> stages) {
        return decode(TensorLayout.parse(layoutSpec, shape), stages);
    }

    /** Rebuilds the factors of one row whose layout is already parsed. */
    public static MmpsFactors decode(TensorLayout layout, List<StoredStage> stages) {
        int[] dims = layout.dims();
        List<Mps> mps = new ArrayList<>();
        for (StoredStage stage : stages) {
            float[][] cores = new float[stage.cores().size()][];
            for (int k = 0; k < cores.length; k++) {
                cores[k] = decodeFloats(stage.cores().get(k));
            }
            mps.add(new Mps(dims, stage.ranks(), cores));
        }
        return new MmpsFactors(layout, mps);
    }

    public static byte[] encodeFloats(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    public static float[] decodeFloats(byte[] blob) {
        if (blob.length % Float.BYTES != 0) {
            throw new IllegalArgumentException("a float32 core blob of " + blob.length
                    + " bytes is not a whole number of 4-byte values");
        }
        float[] values = new float[blob.length / Float.BYTES];
        ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }
}
