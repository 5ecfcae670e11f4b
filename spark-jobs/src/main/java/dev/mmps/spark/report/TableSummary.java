package dev.mmps.spark.report;

import dev.mmps.settings.ValidationException;
import dev.mmps.spark.config.JobSetting;
import dev.mmps.table.FactorTableReader;
import dev.mmps.table.ManifestFiles;
import dev.mmps.table.TableManifest;
import dev.mmps.tensor.layout.ImageShape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/**
 * What a report needs from one compress output: the manifest's settings and totals, every
 * image's PSNR and ratio, the ids (to check that several tables hold the same images) and the
 * error table counted by step.
 *
 * @param label how plots and tables name it, e.g. {@code mmps fp32 ratio=0.3}
 * @param psnrDb finite per-image PSNRs, in table order
 * @param ids every image id, sorted
 * @param errorsByStep error rows per failing step; {@code errorExample} one reason of them
 */
public record TableSummary(String path, String label, String codec, String precision, String truncation,
        ImageShape shape, long images, long failed, double meanRatio, double meanPsnrDb, double storedBytesPerImage,
        double[] psnrDb, TreeSet<String> ids, Map<String, Long> errorsByStep, String errorExample, TableManifest manifest) {

    /** Stored bits per pixel (per {@code H x W} position, all channels together). */
    public double bitsPerPixel() {
        return storedBytesPerImage * 8 / ((double) shape.height() * shape.width());
    }

    /** A key that groups the tables of one curve: codec and precision. */
    public String curve() {
        return codec + " " + precision;
    }

    /**
     * Reads one output folder.
     *
     * @throws ValidationException if it is not an mmps output or holds no images
     */
    public static TableSummary read(String path, Configuration conf) {
        TableManifest manifest = ManifestFiles.readTable(path, conf);
        String codec = manifest.codec();
        String precision = manifest.compression().precision();
        String truncation = String.valueOf(manifest.config().getOrDefault(JobSetting.TRUNCATION.key(), ""));
        List<Double> psnr = new ArrayList<>();
        TreeSet<String> ids = new TreeSet<>();
        ImageShape shape = null;
        double ratioSum = 0;
        try (FactorTableReader reader = FactorTableReader.open(path, conf)) {
            while (reader.hasNext()) {
                FactorTableReader.Entry e = reader.next();
                if (shape == null) {
                    shape = e.shape();
                }
                ids.add(e.id());
                ratioSum += e.ratio();
                if (Double.isFinite(e.psnrDb())) {
                    psnr.add(e.psnrDb());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + path + ": " + e.getMessage(), e);
        }
        if (ids.isEmpty()) {
            throw new ValidationException(path + " holds no compressed images; report on an output with images");
        }
        long stored = manifest.totals().storedBytes();
        Map<String, Long> byStep = new TreeMap<>();
        String[] example = {null};
        readErrors(path, conf, byStep, example);
        double[] values = psnr.stream().mapToDouble(Double::doubleValue).toArray();
        return new TableSummary(path, codec + " " + precision + " " + truncation, codec, precision, truncation, shape,
                ids.size(), manifest.counts().failed(), ratioSum / ids.size(),
                java.util.Arrays.stream(values).average().orElse(Double.NaN), (double) stored / ids.size(), values, ids,
                byStep, example[0], manifest);
    }

    private static void readErrors(String path, Configuration conf, Map<String, Long> byStep, String[] example) {
        try {
            Path folder = new Path(path, "errors");
            FileSystem fs = folder.getFileSystem(conf);
            if (!fs.exists(folder)) {
                return;
            }
            for (FileStatus f : fs.listStatus(folder)) {
                if (!f.getPath().getName().endsWith(".parquet")) {
                    continue;
                }
                try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), f.getPath()).withConf(conf)
                        .build()) {
                    for (Group g = r.read(); g != null; g = r.read()) {
                        byStep.merge(g.getString("step", 0), 1L, Long::sum);
                        if (example[0] == null) {
                            example[0] = g.getString("id", 0) + ": " + g.getString("reason", 0);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the errors of " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks that the tables hold the same images at the same shape.
     *
     * @throws ValidationException naming the first table that differs and how
     */
    public static void requireSameImages(Collection<TableSummary> tables) {
        TableSummary first = tables.iterator().next();
        for (TableSummary t : tables) {
            if (!t.shape.equals(first.shape)) {
                throw new ValidationException(t.path + " holds " + t.shape + " images but " + first.path + " holds "
                        + first.shape + "; report tables compressed from the same input with the same --size");
            }
            if (!t.ids.equals(first.ids)) {
                TreeSet<String> missing = new TreeSet<>(first.ids);
                missing.removeAll(t.ids);
                TreeSet<String> extra = new TreeSet<>(t.ids);
                extra.removeAll(first.ids);
                throw new ValidationException(t.path + " holds " + t.ids.size() + " images and " + first.path
                        + " holds " + first.ids.size() + "; they differ (" + (missing.isEmpty() ? "" : "missing "
                        + missing.first() + (extra.isEmpty() ? "" : ", ")) + (extra.isEmpty() ? "" : "extra "
                        + extra.first()) + "); report tables compressed from the same input");
            }
        }
    }
}
