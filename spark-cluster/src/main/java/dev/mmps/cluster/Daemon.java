package dev.mmps.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One process of the cluster (master, worker or a submitted driver) with its log file: waiting for
 * a line, for the end, or for progress, always with a timeout, and killing it with its children.
 *
 * @param name what it is, for messages
 */
public record Daemon(String name, Process process, Path log) {

    private static final Pattern PROGRESS = Pattern.compile("compress: ([\\d,]+) / ([\\d,]+) images");
    private static final Duration POLL = Duration.ofMillis(100);

    /**
     * Waits until the log holds {@code text}.
     *
     * @throws IllegalStateException if the process ends first or the time runs out; the message
     *     holds the end of the log
     */
    public void awaitLog(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!logText().contains(text)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " ended (exit " + process.exitValue() + ") before logging '"
                        + text + "':\n" + tail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not log '" + text + "' within " + timeout + ":\n"
                        + tail(40));
            }
            sleep();
        }
    }

    /**
     * Waits until a compress job's progress lines report at least {@code fraction} of its images
     * done.
     *
     * @return the images done when it returned
     */
    public long awaitProgress(double fraction, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher m = PROGRESS.matcher(logText());
            long done = -1;
            long total = 0;
            while (m.find()) {
                done = Long.parseLong(m.group(1).replace(",", ""));
                total = Long.parseLong(m.group(2).replace(",", ""));
            }
            if (done >= 0 && total > 0 && done >= fraction * total) {
                return done;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " ended (exit " + process.exitValue() + ") before "
                        + fraction + " of its images were done:\n" + tail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not reach " + fraction + " of its images within "
                        + timeout + ":\n" + tail(40));
            }
            sleep();
        }
    }

    /**
     * Waits for the process to end and returns its exit code.
     *
     * @throws IllegalStateException if it runs past {@code timeout} (it is killed then)
     */
    public int waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
                throw new IllegalStateException(name + " did not finish within " + timeout + "; killed:\n" + tail(40));
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new IllegalStateException("interrupted waiting for " + name, e);
        }
    }

    /** SIGKILL to the process's children (executors a worker launched), then to the process. */
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last {@code lines} lines of the log. */
    public String tail(int lines) {
        List<String> all = logText().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    public String logText() {
        try {
            return Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
