package dev.mmps.spark.report;

import dev.mmps.images.DecodedImage;
import dev.mmps.images.Preprocess;
import dev.mmps.spark.ingest.SourceImages;
import dev.mmps.table.FactorTableReader;
import dev.mmps.table.ManifestFiles;
import dev.mmps.tensor.layout.ImageShape;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;

/**
 * A compression report over one or several factor tables of the same images: rate-distortion
 * plots (PSNR against the parameter ratio and against stored bits per pixel, one curve per codec
 * and precision, JPEG at several qualities beside them), the distribution of per-image PSNR, a
 * grid of sample images and the error tables, as one self-contained {@code report.html} and a
 * {@code report.json} with the same figures.
 */
public final class Report {

    private final List<TableSummary> tables;
    private final List<String> sampleIds;
    private final Map<String, DecodedImage> originals;
    private final Map<String, List<DecodedImage>> rebuilt;
    private final List<JpegReference.Point> jpeg;
    private final int jpegImages;

    private Report(List<TableSummary> tables, List<String> sampleIds, Map<String, DecodedImage> originals,
            Map<String, List<DecodedImage>> rebuilt, List<JpegReference.Point> jpeg, int jpegImages) {
        this.tables = tables;
        this.sampleIds = sampleIds;
        this.originals = originals;
        this.rebuilt = rebuilt;
        this.jpeg = jpeg;
        this.jpegImages = jpegImages;
    }

    /**
     * Reads the tables and measures JPEG on the first {@code jpegImages} images whose sources can
     * be read.
     *
     * @throws dev.mmps.settings.ValidationException if a path is not an mmps output, or the tables hold different
     *     images
     */
    public static Report build(List<String> paths, int samples, int jpegImages, Configuration conf, PrintWriter log) {
        List<TableSummary> tables = new ArrayList<>();
        for (String path : paths) {
            tables.add(TableSummary.read(path, conf));
            log.printf(Locale.ROOT, "read %s: %,d images%n", path, tables.get(tables.size() - 1).images());
            log.flush();
        }
        TableSummary.requireSameImages(tables);
        List<String> ordered = new ArrayList<>(tables.get(0).ids());
        List<String> sampleIds = ordered.subList(0, Math.min(samples, ordered.size()));
        Set<String> wanted = Set.copyOf(ordered.subList(0, Math.min(Math.max(samples, jpegImages), ordered.size())));
        Map<String, List<DecodedImage>> rebuilt = new HashMap<>();
        Map<String, String> sources = new HashMap<>();
        for (int t = 0; t < tables.size(); t++) {
            try (FactorTableReader reader = FactorTableReader.open(tables.get(t).path(), conf)) {
                while (reader.hasNext()) {
                    FactorTableReader.Entry e = reader.next();
                    if (t == 0 && wanted.contains(e.id())) {
                        sources.put(e.id(), e.source());
                    }
                    if (sampleIds.contains(e.id())) {
                        rebuilt.computeIfAbsent(e.id(), k -> new ArrayList<>())
                                .add(new DecodedImage(e.shape(), reader.reconstruct(e)));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + tables.get(t).path() + ": " + e.getMessage(), e);
            }
        }
        Preprocess preprocess = SourceImages.preprocess(tables.get(0).manifest());
        Map<String, DecodedImage> originals = new HashMap<>();
        for (String id : ordered.subList(0, wanted.size())) {
            DecodedImage image = SourceImages.read(sources.get(id), preprocess, conf);
            if (image != null) {
                originals.put(id, image);
            }
        }
        List<JpegReference.Point> jpeg = new ArrayList<>();
        // Each image at its own shape: a folder of colour photographs can hold a few grayscale ones.
        List<DecodedImage> jpegSet = ordered.subList(0, Math.min(jpegImages, ordered.size())).stream()
                .map(originals::get).filter(p -> p != null && (p.shape().channels() == 1 || p.shape().channels() == 3))
                .toList();
        if (!jpegSet.isEmpty()) {
            JpegReference reference = new JpegReference();
            for (float quality : JpegReference.QUALITIES) {
                double bytes = 0;
                double psnr = 0;
                for (DecodedImage image : jpegSet) {
                    JpegReference.Point p = reference.measure(image.pixels(), image.shape(), quality);
                    bytes += p.bytes();
                    psnr += Math.min(p.psnrDb(), 100);
                }
                jpeg.add(new JpegReference.Point(quality, (int) Math.round(bytes / jpegSet.size()), psnr / jpegSet.size()));
            }
            log.printf(Locale.ROOT, "measured JPEG at %d qualities on %d images%n", jpeg.size(), jpegSet.size());
        }
        return new Report(tables, sampleIds, originals, rebuilt, jpeg, jpegSet.size());
    }

    /** The figures as plain values: what {@code report.json} holds. */
    public Map<String, Object> figures() {
        ImageShape shape = tables.get(0).shape();
        double pixels = (double) shape.height() * shape.width();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (TableSummary t : tables) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", t.path());
            m.put("codec", t.codec());
            m.put("precision", t.precision());
            m.put("truncation", t.truncation());
            m.put("images", t.images());
            m.put("failed", t.failed());
            m.put("mean_ratio", t.meanRatio());
            m.put("mean_psnr_db", t.meanPsnrDb());
            m.put("stored_bytes_per_image", t.storedBytesPerImage());
            m.put("bits_per_pixel", t.bitsPerPixel());
            m.put("jpeg_psnr_db_at_equal_bytes", jpegAt(t.storedBytesPerImage()));
            m.put("errors_by_step", t.errorsByStep());
            rows.add(m);
        }
        List<Map<String, Object>> points = new ArrayList<>();
        for (JpegReference.Point p : jpeg) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("quality", p.quality());
            m.put("bytes_per_image", p.bytes());
            m.put("bits_per_pixel", p.bytes() * 8 / pixels);
            m.put("mean_psnr_db", p.psnrDb());
            points.add(m);
        }
        Map<String, Object> jpegPart = new LinkedHashMap<>();
        jpegPart.put("images", jpegImages);
        jpegPart.put("encoder", "javax.imageio JPEG");
        jpegPart.put("points", points);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("shape", shape.toString());
        out.put("tables", rows);
        out.put("jpeg", jpegPart);
        out.put("samples", sampleIds);
        return out;
    }

    /**
     * JPEG's mean PSNR at a size, interpolated linearly between the measured qualities; null
     * outside the sizes JPEG produced.
     */
    Double jpegAt(double bytes) {
        for (int i = 1; i < jpeg.size(); i++) {
            JpegReference.Point a = jpeg.get(i - 1);
            JpegReference.Point b = jpeg.get(i);
            if (bytes >= a.bytes() && bytes <= b.bytes() && b.bytes() > a.bytes()) {
                return a.psnrDb() + (b.psnrDb() - a.psnrDb()) * (bytes - a.bytes()) / (b.bytes() - a.bytes());
            }
        }
        return null;
    }

    /** Writes {@code report.html} and {@code report.json} into {@code dir}, creating it. */
    public void write(File dir) throws IOException {
        if (!dir.isDirectory() && !dir.mkdirs()) {
            throw new dev.mmps.settings.ValidationException("cannot create folder " + dir + "; pass a writable folder to --out");
        }
        Files.write(new File(dir, "report.json").toPath(), ManifestFiles.toJson(figures()));
        Files.writeString(new File(dir, "report.html").toPath(), html(), StandardCharsets.UTF_8);
    }

    private String html() throws IOException {
        ImageShape shape = tables.get(0).shape();
        double pixels = (double) shape.height() * shape.width();
        Map<String, List<double[]>> byRatio = new LinkedHashMap<>();
        Map<String, List<double[]>> byBits = new LinkedHashMap<>();
        Map<String, double[]> psnr = new LinkedHashMap<>();
        for (TableSummary t : tables) {
            byRatio.computeIfAbsent(t.curve(), k -> new ArrayList<>()).add(new double[] {t.meanRatio(), t.meanPsnrDb()});
            byBits.computeIfAbsent(t.curve(), k -> new ArrayList<>()).add(new double[] {t.bitsPerPixel(), t.meanPsnrDb()});
            psnr.put(t.label(), t.psnrDb());
        }
        if (!jpeg.isEmpty()) {
            List<double[]> points = new ArrayList<>();
            for (JpegReference.Point p : jpeg) {
                points.add(new double[] {p.bytes() * 8 / pixels, p.psnrDb()});
            }
            byBits.put("JPEG (ImageIO), " + jpegImages + " images", points);
        }
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mmps compression report</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}")
                .append("td.l,th.l{text-align:left}img.px{image-rendering:pixelated;width:96px}</style></head><body>\n")
                .append("<h1>mmps compression report</h1>\n<p>").append(tables.size()).append(" table(s) of ")
                .append(String.format(Locale.ROOT, "%,d", tables.get(0).images())).append(" images of ")
                .append(escape(shape.toString())).append(". Ratios count stored values over H&times;W&times;C; ")
                .append("stored bytes are the Parquet files (zstd) over the images.</p>\n");
        h.append("<h2>Tables</h2>\n<table><tr><th class=\"l\">codec</th><th class=\"l\">precision</th>")
                .append("<th class=\"l\">target</th><th>images</th><th>failed</th><th>mean ratio</th><th>mean PSNR (dB)</th>")
                .append("<th>bytes / image</th><th>bits / pixel</th><th>JPEG PSNR at these bytes</th>")
                .append("<th class=\"l\">path</th></tr>\n");
        for (TableSummary t : tables) {
            h.append(String.format(Locale.ROOT, "<tr><td class=\"l\">%s</td><td class=\"l\">%s</td><td class=\"l\">%s</td>"
                    + "<td>%,d</td><td>%,d</td><td>%.4f</td><td>%.2f</td><td>%,.0f</td><td>%.3f</td><td>%s</td>"
                    + "<td class=\"l\">%s</td></tr>%n",
                    escape(t.codec()), escape(t.precision()), escape(t.truncation()), t.images(), t.failed(),
                    t.meanRatio(), t.meanPsnrDb(), t.storedBytesPerImage(), t.bitsPerPixel(),
                    jpegAt(t.storedBytesPerImage()) == null ? "outside JPEG's range"
                            : String.format(Locale.ROOT, "%.2f", jpegAt(t.storedBytesPerImage())), escape(t.path())));
        }
        h.append("</table>\n<h2>Rate and distortion</h2>\n");
        h.append(img(Charts.lines("PSNR against parameter ratio", "parameter ratio", "mean PSNR (dB)", byRatio), "plot"));
        h.append(img(Charts.lines("PSNR against stored size", "stored bits per pixel", "mean PSNR (dB)", byBits), "plot"));
        if (!jpeg.isEmpty()) {
            h.append("<p>JPEG: the first ").append(jpegImages).append(" images (sorted by id) encoded with ")
                    .append("<code>javax.imageio</code>, the library the compress job decodes with, at qualities ");
            for (JpegReference.Point p : jpeg) {
                h.append(String.format(Locale.ROOT, "%.2f ", p.quality()));
            }
            h.append("(PSNR against the decoded source; codecs over all images).</p>\n");
        } else {
            h.append("<p>No JPEG reference: the source images could not be read (moved, IDX input, or not 1 or 3 channels).</p>\n");
        }
        h.append("<h2>Per-image PSNR</h2>\n").append(img(Charts.histogram("Distribution of per-image PSNR", "PSNR (dB)",
                psnr, 40), "plot"));
        h.append("<h2>Samples</h2>\n<table><tr><th class=\"l\">id</th><th>original</th>");
        for (TableSummary t : tables) {
            h.append("<th>").append(escape(t.label())).append("</th>");
        }
        h.append("</tr>\n");
        for (String id : sampleIds) {
            h.append("<tr><td class=\"l\">").append(escape(id)).append("</td><td>");
            DecodedImage original = originals.get(id);
            h.append(original == null ? "(not readable)" : img(png(original), "px"));
            h.append("</td>");
            for (DecodedImage image : rebuilt.getOrDefault(id, List.of())) {
                h.append("<td>").append(img(png(image), "px")).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n<h2>Errors</h2>\n<table><tr><th class=\"l\">table</th><th>failed</th>")
                .append("<th class=\"l\">by step</th><th class=\"l\">example</th></tr>\n");
        for (TableSummary t : tables) {
            h.append("<tr><td class=\"l\">").append(escape(t.label())).append("</td><td>").append(t.failed())
                    .append("</td><td class=\"l\">").append(escape(t.errorsByStep().toString())).append("</td><td class=\"l\">")
                    .append(t.errorExample() == null ? "" : escape(t.errorExample())).append("</td></tr>\n");
        }
        h.append("</table>\n</body></html>\n");
        return h.toString();
    }

    private static byte[] png(DecodedImage image) throws IOException {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(Preprocess.toImage(image.shape(), image.pixels()), "png", out);
            return out.toByteArray();
        }
    }

    private static String img(byte[] png, String cssClass) {
        return "<img class=\"" + cssClass + "\" alt=\"\" src=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(png) + "\">\n";
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
