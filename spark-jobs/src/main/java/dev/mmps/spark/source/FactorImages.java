package dev.mmps.spark.source;

import dev.mmps.images.ImageFailure;
import dev.mmps.table.FactorFormat;
import dev.mmps.tensor.codec.ImageFactors;
import dev.mmps.tensor.codec.ImageRebuilder;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.TensorLayout;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Images in Spark's columns: rebuilt from the factor columns of a row, and to and from the struct of Spark's
 * {@code image} data source ({@link ImageSchema}: {@code origin, height, width, nChannels, mode, data}, the data
 * 8-bit and in OpenCV's BGR order). One instance per task: it parses each layout once per shape and contracts MPS
 * cores with OpenBLAS when it loads, as the Java reader does; close it to free that scratch.
 */
public final class FactorImages implements AutoCloseable {

    /** The columns a rebuild reads, by their format names. */
    public static final List<String> COLUMNS = List.of(FactorFormat.HEIGHT, FactorFormat.WIDTH, FactorFormat.CHANNELS,
            FactorFormat.LAYOUT, FactorFormat.CODEC, FactorFormat.DTYPE, FactorFormat.STAGES);

    private final Map<String, TensorLayout> layouts = new HashMap<>();
    private final ImageRebuilder rebuilder = new ImageRebuilder();

    /** The struct of Spark's {@code image} data source. */
    public static StructType imageStruct() {
        return ImageSchema.columnSchema();
    }

    /**
     * The rebuilt image of a row, {@code H x W x C} row-major on the [0, 1] scale.
     *
     * @param at the positions of {@link #COLUMNS} in the row
     */
    public float[] rebuild(Row row, int[] at) {
        ImageShape shape = new ImageShape(row.getInt(at[0]), row.getInt(at[1]), row.getInt(at[2]));
        String layout = row.getString(at[3]);
        TensorLayout parsed = layouts.computeIfAbsent(layout + "|" + shape, k -> TensorLayout.parse(layout, shape));
        ImageFactors factors = FactorFormat.decode(row.getString(at[4]), row.getString(at[5]), parsed,
                stages(row.getList(at[6])));
        return rebuilder.reconstruct(factors);
    }

    @Override
    public void close() {
        rebuilder.close();
    }

    /** The {@code stages} column's value as the format's stages. */
    static List<FactorFormat.StoredStage> stages(List<Row> column) {
        List<FactorFormat.StoredStage> stages = new ArrayList<>(column.size());
        for (Row stage : column) {
            List<Integer> ranks = stage.getList(0);
            List<byte[]> cores = stage.getList(1);
            stages.add(new FactorFormat.StoredStage(ranks.stream().mapToInt(Integer::intValue).toArray(),
                    new ArrayList<>(cores)));
        }
        return stages;
    }

    /** An image on the [0, 1] scale as the {@code image} struct: rounded to 8 bits, channels in BGR order. */
    public static Row imageRow(String origin, int height, int width, int channels, float[] hwc) {
        byte[] data = new byte[hwc.length];
        for (int p = 0; p < height * width; p++) {
            for (int c = 0; c < channels; c++) {
                int from = channels == 3 ? 2 - c : c;
                float v = hwc[p * channels + from];
                data[p * channels + c] = (byte) Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
            }
        }
        return RowFactory.create(origin, height, width, channels, mode(channels), data);
    }

    /**
     * The {@code image} struct's pixels as a Java image, for the preprocessing a decoded file gets.
     *
     * @throws ImageFailure if the struct holds no image (Spark's data source leaves one so for a file it
     *     cannot decode) or a channel count it does not write
     */
    public static BufferedImage fromImageRow(Row image) throws ImageFailure {
        if (image == null) {
            throw new ImageFailure(ImageFailure.Step.DECODE, "the image column is null");
        }
        int height = image.getInt(1);
        int width = image.getInt(2);
        int channels = image.getInt(3);
        byte[] data = (byte[]) image.get(5);
        if (height < 1 || width < 1 || data == null || data.length == 0) {
            throw new ImageFailure(ImageFailure.Step.DECODE, "Spark's image data source could not decode it (an "
                    + "empty image struct)");
        }
        if ((channels != 1 && channels != 3 && channels != 4) || data.length != (long) height * width * channels) {
            throw new ImageFailure(ImageFailure.Step.DECODE, "the image struct holds " + data.length + " bytes for "
                    + height + "x" + width + "x" + channels + "; Spark's image data source writes 1, 3 or 4 "
                    + "channels of 8 bits");
        }
        int type = switch (channels) {
            case 1 -> BufferedImage.TYPE_BYTE_GRAY;
            case 3 -> BufferedImage.TYPE_3BYTE_BGR;
            default -> BufferedImage.TYPE_4BYTE_ABGR;
        };
        BufferedImage out = new BufferedImage(width, height, type);
        byte[] target = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        if (channels == 4) {
            for (int p = 0; p < height * width; p++) { // BGRA to ABGR
                target[4 * p] = data[4 * p + 3];
                System.arraycopy(data, 4 * p, target, 4 * p + 1, 3);
            }
        } else {
            System.arraycopy(data, 0, target, 0, data.length);
        }
        return out;
    }

    /** OpenCV's type code for 8-bit images of this many channels ({@code CV_8UC1/3/4}), the struct's mode. */
    private static int mode(int channels) {
        return (Integer) ImageSchema.ocvTypes().apply("CV_8UC" + channels);
    }
}
