package dev.mmps.training.files;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** float32 values as the little-endian blobs the project's Parquet tables and reference files hold. */
public final class FloatBlobs {

    private FloatBlobs() {}

    public static byte[] bytes(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    public static float[] floats(byte[] bytes) {
        float[] v = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }
}
