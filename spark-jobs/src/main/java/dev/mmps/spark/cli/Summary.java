package dev.mmps.spark.cli;

import dev.mmps.spark.ingest.Printable;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The one-screen summary printed at the end of a compress run and by {@code inspect}. */
final class Summary {

    private Summary() {}

    @SuppressWarnings("unchecked")
    static void print(Map<String, Object> manifest, PrintWriter out) {
        Map<String, Object> counts = (Map<String, Object>) manifest.get("counts");
        Map<String, Object> totals = (Map<String, Object>) manifest.get("totals");
        Map<String, Object> stats = (Map<String, Object>) manifest.get("stats");
        Map<String, Object> timing = (Map<String, Object>) manifest.get("timing");
        Map<String, Object> input = (Map<String, Object>) manifest.get("input");
        Map<String, Object> config = (Map<String, Object>) manifest.get("config");
        Map<String, Object> incremental = (Map<String, Object>) manifest.get("incremental");
        if (incremental != null && Boolean.TRUE.equals(incremental.get("up_to_date"))) {
            out.printf(Locale.ROOT, "mmps compress: %s is up to date: %,d input(s) unchanged, %,d no longer in the "
                    + "input (kept); nothing written (%.1f s)%n", Printable.of(String.valueOf(config.get("output"))),
                    ((Number) incremental.get("skipped")).longValue(), ((Number) incremental.get("removed")).longValue(),
                    number(incremental.get("seconds")));
            out.flush();
            return;
        }
        long inputBytes = ((Number) totals.get("input_bytes")).longValue();
        long storedBytes = ((Number) totals.get("stored_bytes")).longValue();
        out.printf(Locale.ROOT, "mmps compress: %s%n", Printable.of(String.valueOf(config.get("output"))));
        if (timing != null) {
            out.printf(Locale.ROOT, "  time     %.1f s, %,.0f images/s%n", number(timing.get("seconds")),
                    number(timing.get("images_per_second")));
        }
        List<?> classes = (List<?>) input.get("classes");
        out.printf(Locale.ROOT, "  input    %s (%s%s): %,d inputs, %s%n", Printable.of(String.valueOf(input.get("root"))),
                input.get("kind"),
                classes == null || classes.isEmpty() ? "" : ", " + classes.size() + " classes",
                ((Number) counts.get("inputs")).longValue(), bytes(inputBytes));
        out.printf(Locale.ROOT, "  rows     %,d images, %,d failed%n", ((Number) counts.get("images")).longValue(),
                ((Number) counts.get("failed")).longValue());
        if (incremental != null) {
            out.printf(Locale.ROOT, "  update   %,d unchanged, %,d compressed (%,d changed), %,d no longer in the input "
                    + "(%s)%n", ((Number) incremental.get("skipped")).longValue(),
                    ((Number) incremental.get("compressed")).longValue(),
                    ((Number) incremental.get("replaced")).longValue(), ((Number) incremental.get("removed")).longValue(),
                    incremental.get("removed_rows"));
        }
        Object codec = config.getOrDefault("compression.codec", "mmps");
        boolean tensorTrain = codec.equals("mmps") || codec.equals("mps");
        out.printf(Locale.ROOT, "  settings %s at %s, %s%s%n", codec, config.getOrDefault("compression.precision", "fp32"),
                config.get("compression.truncation"), tensorTrain ? ", " + config.get("compression.stages")
                        + " stage(s), layout " + ((Map<String, Object>) manifest.get("compression")).get("layout_request")
                        : "");
        out.printf(Locale.ROOT, "  ratio    mean %s %s%n", format(stats.get("mean_ratio"), "%.4f"),
                percentiles(stats.get("ratio_percentiles"), "%.4f"));
        out.printf(Locale.ROOT, "  PSNR     mean %s dB %s%s%n", format(stats.get("mean_psnr_db"), "%.2f"),
                percentiles(stats.get("psnr_db_percentiles"), "%.2f"),
                number(stats.get("exact_images")) > 0 ? ", " + stats.get("exact_images") + " exact" : "");
        long images = ((Number) counts.get("images")).longValue();
        out.printf(Locale.ROOT, "  stored   %s of factors for %s of input (%.2fx), %s per image%n", bytes(storedBytes),
                bytes(inputBytes), inputBytes == 0 ? 0.0 : (double) storedBytes / inputBytes,
                bytes(images == 0 ? 0 : storedBytes / images));
        printErrors(manifest, out);
        out.flush();
    }

    /** The summary of {@code mmps select}. */
    @SuppressWarnings("unchecked")
    static void printSelection(Map<String, Object> manifest, String output, PrintWriter out) {
        Map<String, Object> counts = (Map<String, Object>) manifest.get("counts");
        Map<String, Object> selection = (Map<String, Object>) manifest.get("selection");
        Map<String, Object> timing = (Map<String, Object>) manifest.get("timing");
        Map<String, Object> input = (Map<String, Object>) manifest.get("input");
        out.printf(Locale.ROOT, "mmps select: %s%n", Printable.of(output));
        out.printf(Locale.ROOT, "  time     %.1f s (selecting %.1f s), %,.0f images/s%n", number(timing.get("seconds")),
                number(timing.get("select_seconds")), number(timing.get("images_per_second")));
        out.printf(Locale.ROOT, "  input    %s: %,d inputs, %,d images, %,d failed%n",
                Printable.of(String.valueOf(input.get("root"))), ((Number) counts.get("inputs")).longValue(),
                ((Number) counts.get("images")).longValue(), ((Number) counts.get("failed")).longValue());
        Object features = selection.get("features");
        out.printf(Locale.ROOT, "  subset   %,d images (%s at ratio %s, seed %s%s), %d group(s) of at most %,d%n",
                ((Number) counts.get("selected")).longValue(), selection.get("method"), selection.get("ratio"),
                selection.get("seed"), features == null ? "" : ", on " + features, ((Number) selection.get("groups"))
                        .intValue(), ((Number) selection.get("largest_group")).longValue());
        if (selection.get("covering_radius") != null) {
            out.printf(Locale.ROOT, "  radius   every image lies within %.3f of a kept image of its group (pixel units)%n",
                    number(selection.get("covering_radius")));
        }
        printErrors(manifest, out);
        out.flush();
    }

    @SuppressWarnings("unchecked")
    private static void printErrors(Map<String, Object> manifest, PrintWriter out) {
        Map<String, Object> counts = (Map<String, Object>) manifest.get("counts");
        List<?> examples = (List<?>) manifest.get("error_examples");
        if (examples != null && !examples.isEmpty()) {
            out.printf(Locale.ROOT, "  errors   %,d, for example (all in errors/, or mmps inspect --json):%n",
                    ((Number) counts.get("failed")).longValue());
            for (Object e : examples.subList(0, Math.min(3, examples.size()))) {
                Map<String, Object> x = (Map<String, Object>) e;
                out.printf(Locale.ROOT, "           %s (%s): %s%n", Printable.of(String.valueOf(x.get("id"))), x.get("step"),
                        Printable.of(String.valueOf(x.get("reason"))));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static String percentiles(Object value, String format) {
        if (!(value instanceof Map)) {
            return "";
        }
        Map<String, Object> p = (Map<String, Object>) value;
        return "(p05 " + format(p.get("p05"), format) + ", p50 " + format(p.get("p50"), format) + ", p95 "
                + format(p.get("p95"), format) + ")";
    }

    private static String format(Object value, String format) {
        return value == null ? "n/a" : String.format(Locale.ROOT, format, number(value));
    }

    private static double number(Object value) {
        return value == null ? 0 : ((Number) value).doubleValue();
    }

    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
