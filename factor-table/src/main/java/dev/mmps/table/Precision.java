package dev.mmps.table;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * How factor values are stored, and their blob encodings ({@code docs/FORMAT.md}, "Stored
 * precision"). Every blob holds one factor (an MPS core, a factor matrix, a Tucker core) as a
 * row-major array whose leading axis the reader knows from the ranks and dimensions.
 * <ul>
 *   <li>{@code fp32}: little-endian IEEE 754 single precision; {@code dtype = "float32"}.
 *   <li>{@code fp16}: little-endian IEEE 754 half precision, rounded to nearest even;
 *       {@code dtype = "float16"}.
 *   <li>{@code int8}: one scale per slice of the leading axis, {@code int8-core}: one scale per
 *       blob; both {@code dtype = "int8"} and self-describing: a little-endian uint32 count
 *       {@code S}, {@code S} float32 scales, then the values as signed bytes, value {@code i}
 *       being {@code q_i * scales[i / (N / S)]} with {@code q} in [-127, 127].
 * </ul>
 */
public enum Precision {
    FP32("fp32", "float32"),
    FP16("fp16", "float16"),
    INT8("int8", "int8"),
    INT8_CORE("int8-core", "int8");

    private final String label;
    private final String dtype;

    Precision(String label, String dtype) {
        this.label = label;
        this.dtype = dtype;
    }

    public String label() {
        return label;
    }

    /** The value of the table's {@code dtype} column. */
    public String dtype() {
        return dtype;
    }

    public static Precision parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (Precision p : values()) {
            if (p.label.equals(t)) {
                return p;
            }
        }
        throw new IllegalArgumentException("precision '" + text + "' is unknown: use fp32, fp16, int8 (a scale per "
                + "slice) or int8-core (a scale per core)");
    }

    /**
     * Encodes one factor.
     *
     * @param slices the length of the leading axis (the slices an {@code int8} blob scales apart)
     */
    public byte[] encode(float[] values, int slices) {
        return switch (this) {
            case FP32 -> {
                ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(values);
                yield b.array();
            }
            case FP16 -> {
                ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : values) {
                    b.putShort(toHalf(v));
                }
                yield b.array();
            }
            case INT8 -> quantize(values, Math.max(1, slices));
            case INT8_CORE -> quantize(values, 1);
        };
    }

    /**
     * Decodes a blob of the given {@code dtype}.
     *
     * @throws IllegalArgumentException if the blob is malformed for its dtype
     */
    public static float[] decode(String dtype, byte[] blob) {
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case "float32" -> {
                requireMultiple(blob, 4, dtype);
                float[] v = new float[blob.length / 4];
                b.asFloatBuffer().get(v);
                return v;
            }
            case "float16" -> {
                requireMultiple(blob, 2, dtype);
                float[] v = new float[blob.length / 2];
                for (int i = 0; i < v.length; i++) {
                    v[i] = fromHalf(b.getShort());
                }
                return v;
            }
            case "int8" -> {
                if (blob.length < 4) {
                    throw new IllegalArgumentException("an int8 blob of " + blob.length + " bytes has no scale count");
                }
                long s = Integer.toUnsignedLong(b.getInt());
                long n = blob.length - 4 - 4 * s;
                if (s < 1 || n < 0 || n % s != 0) {
                    throw new IllegalArgumentException("an int8 blob of " + blob.length + " bytes cannot hold " + s
                            + " scales and whole slices");
                }
                float[] scales = new float[(int) s];
                for (int i = 0; i < s; i++) {
                    scales[i] = b.getFloat();
                }
                int per = (int) (n / s);
                float[] v = new float[(int) n];
                for (int i = 0; i < v.length; i++) {
                    v[i] = b.get() * scales[i / per];
                }
                return v;
            }
            default -> throw new IllegalArgumentException("dtype '" + dtype + "' is unknown to this reader: it "
                    + "reads float32, float16 and int8; a newer mmps wrote this table");
        }
    }

    private static void requireMultiple(byte[] blob, int size, String dtype) {
        if (blob.length % size != 0) {
            throw new IllegalArgumentException("a " + dtype + " blob of " + blob.length + " bytes is not a whole number "
                    + "of " + size + "-byte values");
        }
    }

    private static byte[] quantize(float[] values, int slices) {
        if (values.length % slices != 0) {
            slices = 1;
        }
        int per = values.length / slices;
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * slices + values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(slices);
        float[] scales = new float[slices];
        for (int s = 0; s < slices; s++) {
            float max = 0;
            for (int i = s * per; i < (s + 1) * per; i++) {
                max = Math.max(max, Math.abs(values[i]));
            }
            scales[s] = max / 127f;
            b.putFloat(scales[s]);
        }
        for (int i = 0; i < values.length; i++) {
            float scale = scales[per == 0 ? 0 : i / per];
            b.put(scale == 0 ? 0 : (byte) Math.max(-127, Math.min(127, Math.round(values[i] / scale))));
        }
        return b.array();
    }

    /** IEEE 754 half precision, rounded to nearest even; overflow to infinity, underflow through subnormals. */
    static short toHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xff;
        int mantissa = bits & 0x7fffff;
        if (exponent == 0xff) {
            return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 : 0));
        }
        int e = exponent - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            int m = mantissa | 0x800000;
            int shift = 14 - e;
            int half = m >>> shift;
            int rest = m & ((1 << shift) - 1);
            int midpoint = 1 << (shift - 1);
            if (rest > midpoint || (rest == midpoint && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mantissa >>> 13);
        int rest = mantissa & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) (sign | half);
    }

    static float fromHalf(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float v = mantissa * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }
}
