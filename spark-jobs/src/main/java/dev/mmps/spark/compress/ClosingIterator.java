package dev.mmps.spark.compress;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Maps an iterator lazily and closes a resource once the input is exhausted, so a partition's
 * native scratch is freed as soon as its last row is produced, without holding the partition's
 * rows in memory.
 */
final class ClosingIterator<I, O> implements Iterator<O> {

    private final Iterator<I> input;
    private final AutoCloseable resource;
    private final Function<I, O> mapping;
    private boolean closed;

    ClosingIterator(Iterator<I> input, AutoCloseable resource, Function<I, O> mapping) {
        this.input = input;
        this.resource = resource;
        this.mapping = mapping;
    }

    @Override
    public boolean hasNext() {
        boolean more = input.hasNext();
        if (!more && !closed) {
            closed = true;
            try {
                resource.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the partition's resources failed", e);
            }
        }
        return more;
    }

    @Override
    public O next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return mapping.apply(input.next());
    }
}
