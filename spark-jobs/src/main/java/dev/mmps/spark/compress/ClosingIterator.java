package dev.mmps.spark.compress;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Maps an iterator lazily, dropping inputs that map to null, and closes a resource once the
 * input is exhausted, so a partition's native scratch is freed as soon as its last row is
 * produced, without holding the partition's rows in memory.
 */
public final class ClosingIterator<I, O> implements Iterator<O> {

    private final Iterator<I> input;
    private final AutoCloseable resource;
    private final Function<I, O> mapping;
    private O next;
    private boolean closed;

    public ClosingIterator(Iterator<I> input, AutoCloseable resource, Function<I, O> mapping) {
        this.input = input;
        this.resource = resource;
        this.mapping = mapping;
    }

    @Override
    public boolean hasNext() {
        while (next == null && input.hasNext()) {
            next = mapping.apply(input.next());
        }
        if (next == null && !closed) {
            closed = true;
            try {
                resource.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the partition's resources failed", e);
            }
        }
        return next != null;
    }

    @Override
    public O next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        O out = next;
        next = null;
        return out;
    }
}
