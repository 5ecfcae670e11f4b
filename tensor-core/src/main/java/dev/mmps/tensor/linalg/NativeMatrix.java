package dev.mmps.tensor.linalg;

import org.bytedeco.javacpp.DoublePointer;

/**
 * A growable off-heap double buffer for the native routes: allocated once at the largest size
 * seen, then reused, so a factorisation makes no native allocations in steady state.
 */
final class NativeMatrix implements AutoCloseable {

    private DoublePointer pointer = new DoublePointer(1);
    private long capacity = 1;

    DoublePointer ensure(long size) {
        if (size > capacity) {
            pointer.close();
            capacity = Math.max(size, capacity * 2);
            pointer = new DoublePointer(capacity);
        }
        return pointer;
    }

    DoublePointer load(double[] values, int length) {
        DoublePointer p = ensure(length);
        p.position(0).put(values, 0, length);
        return p;
    }

    void store(double[] values, int length) {
        pointer.position(0).get(values, 0, length);
    }

    /** Copies {@code length} values starting at {@code from} out; the pointer's position stays 0. */
    void store(double[] values, long from, int length) {
        pointer.position(from).get(values, 0, length);
        pointer.position(0);
    }

    @Override
    public void close() {
        pointer.close();
    }
}
