package dev.mmps.spark.cli;

import dev.mmps.spark.config.JobSetting;
import dev.mmps.spark.ingest.Printable;
import dev.mmps.table.SubsetManifest;
import dev.mmps.table.TableManifest;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** The one-screen summary printed at the end of a compress run and by {@code inspect}. */
final class Summary {

    private Summary() {}

    static void print(TableManifest manifest, PrintWriter out) {
        TableManifest.Incremental incremental = manifest.incremental();
        if (incremental != null && incremental.isUpToDate()) {
            out.printf(Locale.ROOT, "mmps compress: %s is up to date: %,d input(s) unchanged, %,d no longer in the "
                    + "input (kept); nothing written (%.1f s)%n", Printable.of(manifest.output()), incremental.skipped(),
                    incremental.removed(), incremental.seconds());
            out.flush();
            return;
        }
        TableManifest.Counts counts = manifest.counts();
        TableManifest.Totals totals = manifest.totals();
        TableManifest.Stats stats = manifest.stats();
        TableManifest.Input input = manifest.input();
        out.printf(Locale.ROOT, "mmps compress: %s%n", Printable.of(manifest.output()));
        out.printf(Locale.ROOT, "  time     %.1f s, %,.0f images/s%n", manifest.timing().seconds(),
                manifest.timing().imagesPerSecond());
        out.printf(Locale.ROOT, "  input    %s (%s%s): %,d inputs, %s%n", Printable.of(input.root()), input.kind(),
                input.classes().isEmpty() ? "" : ", " + input.classes().size() + " classes", counts.inputs(),
                bytes(totals.inputBytes()));
        out.printf(Locale.ROOT, "  rows     %,d images, %,d failed%n", counts.images(), counts.failed());
        if (incremental != null) {
            out.printf(Locale.ROOT, "  update   %,d unchanged, %,d compressed (%,d changed), %,d no longer in the input "
                    + "(%s)%n", incremental.skipped(), incremental.compressed(), incremental.replaced(),
                    incremental.removed(), incremental.removedRows());
        }
        TableManifest.Compression compression = manifest.compression();
        boolean tensorTrain = compression.codec().equals("mmps") || compression.codec().equals("mps");
        out.printf(Locale.ROOT, "  settings %s at %s, %s%s%n", compression.codec(), compression.precision(),
                manifest.config().get(JobSetting.TRUNCATION.key()), tensorTrain ? ", " + compression.stages()
                        + " stage(s), layout " + layout(compression) : "");
        out.printf(Locale.ROOT, "  ratio    mean %s %s%n", format(stats.meanRatio(), "%.4f"),
                percentiles(stats.ratioPercentiles(), "%.4f"));
        out.printf(Locale.ROOT, "  PSNR     mean %s dB %s%s%n", format(stats.meanPsnrDb(), "%.2f"),
                percentiles(stats.psnrDbPercentiles(), "%.2f"),
                stats.exactImages() > 0 ? ", " + stats.exactImages() + " exact" : "");
        long images = counts.images();
        out.printf(Locale.ROOT, "  stored   %s of factors for %s of input (%.2fx), %s per image%n",
                bytes(totals.storedBytes()), bytes(totals.inputBytes()),
                totals.inputBytes() == 0 ? 0.0 : (double) totals.storedBytes() / totals.inputBytes(),
                bytes(images == 0 ? 0 : totals.storedBytes() / images));
        if (manifest.delta() != null) {
            out.printf(Locale.ROOT, "  tables   Delta: factor table version %d, error table version %d%n",
                    manifest.delta().version(), manifest.delta().errorsVersion());
        }
        printErrors(counts.failed(), manifest.errorExamples(), out);
        out.flush();
    }

    /** The layout of the rows: the one the search chose (and against how many), the profile's, or the request. */
    private static String layout(TableManifest.Compression compression) {
        TableManifest.LayoutSearchEntry search = compression.layoutSearch();
        if (search != null) {
            return String.format(Locale.ROOT, "%s (auto: the best of %d on %d sample images, %.1f s)", search.chosen(),
                    search.candidates().size(), search.images(), search.seconds());
        }
        if (compression.rankProfile() != null) {
            return compression.rankProfile().layout();
        }
        return compression.layoutRequest();
    }

    /** The summary of {@code mmps select}. */
    static void printSelection(SubsetManifest manifest, String output, PrintWriter out) {
        SubsetManifest.Counts counts = manifest.counts();
        SubsetManifest.Selection selection = manifest.selection();
        out.printf(Locale.ROOT, "mmps select: %s%n", Printable.of(output));
        out.printf(Locale.ROOT, "  time     %.1f s (selecting %.1f s), %,.0f images/s%n", manifest.timing().seconds(),
                manifest.timing().selectSeconds(), manifest.timing().imagesPerSecond());
        out.printf(Locale.ROOT, "  input    %s: %,d inputs, %,d images, %,d failed%n",
                Printable.of(manifest.input().root()), counts.inputs(), counts.images(), counts.failed());
        out.printf(Locale.ROOT, "  subset   %,d images (%s at ratio %s, seed %s%s), %d group(s) of at most %,d%n",
                counts.selected(), selection.method(), selection.ratio(), selection.seed(),
                selection.features() == null ? "" : ", on " + selection.features(), selection.groups(),
                selection.largestGroup());
        if (selection.coveringRadius() != null) {
            out.printf(Locale.ROOT, "  radius   every image lies within %.3f of a kept image of its group (pixel units)%n",
                    selection.coveringRadius());
        }
        printErrors(counts.failed(), manifest.errorExamples(), out);
        out.flush();
    }

    private static void printErrors(long failed, List<TableManifest.ErrorExample> examples, PrintWriter out) {
        if (!examples.isEmpty()) {
            out.printf(Locale.ROOT, "  errors   %,d, for example (all in errors/, or mmps inspect --json):%n", failed);
            for (TableManifest.ErrorExample x : examples.subList(0, Math.min(3, examples.size()))) {
                out.printf(Locale.ROOT, "           %s (%s): %s%n", Printable.of(x.id()), x.step(),
                        Printable.of(x.reason()));
            }
        }
    }

    private static String percentiles(TableManifest.Percentiles p, String format) {
        if (p == null) {
            return "";
        }
        return "(p05 " + String.format(Locale.ROOT, format, p.p05()) + ", p50 " + String.format(Locale.ROOT, format,
                p.p50()) + ", p95 " + String.format(Locale.ROOT, format, p.p95()) + ")";
    }

    private static String format(Double value, String format) {
        return value == null ? "n/a" : String.format(Locale.ROOT, format, value);
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
