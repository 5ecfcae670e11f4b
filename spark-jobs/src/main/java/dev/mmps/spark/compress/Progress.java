package dev.mmps.spark.compress;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.util.LongAccumulator;

/**
 * Prints "images done / total, rate, time left" to the console at a fixed interval while the job
 * runs. The count comes from an accumulator the tasks add to, so it advances as tasks finish.
 */
public final class Progress implements AutoCloseable {

    private final String step;

    private final LongAccumulator done;
    private final long total;
    private final long start = System.nanoTime();
    private final ScheduledExecutorService timer;
    private final PrintStream out;

    private Progress(String step, LongAccumulator done, long total, int intervalSeconds, PrintStream out) {
        this.step = step;
        this.done = done;
        this.total = total;
        this.out = out;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mmps-progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::report, intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
    }

    /**
     * @param step the command's name, first on every line
     * @param done images finished, added to by the tasks
     */
    public static Progress start(String step, LongAccumulator done, long total, int intervalSeconds) {
        return new Progress(step, done, total, intervalSeconds, System.err);
    }

    private void report() {
        out.println(line(done.value()));
    }

    String line(long images) {
        double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        double rate = images / seconds;
        String left = rate > 0 && images < total
                ? String.format(Locale.ROOT, ", about %.0f s left", (total - images) / rate) : "";
        return String.format(Locale.ROOT, "%s: %,d / %,d images (%.1f%%), %,.0f images/s%s", step, images, total,
                100.0 * images / Math.max(1, total), rate, left);
    }

    /** Prints the final count. */
    public void finish() {
        timer.shutdownNow();
        out.println(line(done.value()));
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
