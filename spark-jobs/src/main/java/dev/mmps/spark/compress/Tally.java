package dev.mmps.spark.compress;

import dev.mmps.table.TableManifest;
import dev.mmps.tensor.metrics.ImageStats;
import java.io.Serializable;
import org.apache.spark.util.AccumulatorV2;

/**
 * The job's statistics, gathered while the factor table is written: counts, byte totals, sums
 * for means, and fixed-bin histograms for percentiles (PSNR in 0.01 dB bins up to 100 dB, ratio
 * in 0.0001 bins). An {@link AccumulatorV2}: tasks add their images, the driver merges the
 * partial tallies of successful task attempts, so the statistics need no second pass.
 */
public final class Tally extends AccumulatorV2<Tally.Image, Tally> implements Serializable {

    private static final int PSNR_BINS = 10_000;
    private static final double PSNR_BIN_DB = 0.01;
    private static final int RATIO_BINS = 10_000;

    /** What one input contributes. */
    public record Image(boolean compressed, long sourceBytes, long parameters, double ratio, double psnrDb)
            implements Serializable {

        static Image of(long sourceBytes, ImageStats stats) {
            return new Image(true, sourceBytes, stats.parameters(), stats.ratio(), stats.psnrDb());
        }

        static Image failed(long sourceBytes) {
            return new Image(false, sourceBytes, 0, 0, 0);
        }
    }

    private long images;
    private long failed;
    private long inputBytes;
    private long storedValues;
    private double ratioSum;
    private double psnrSum;
    private long finitePsnr;
    private long exact;
    private long[] psnrHistogram = new long[PSNR_BINS + 1];
    private long[] ratioHistogram = new long[RATIO_BINS + 1];

    @Override
    public boolean isZero() {
        return images == 0 && failed == 0;
    }

    @Override
    public Tally copy() {
        Tally t = new Tally();
        t.merge(this);
        return t;
    }

    @Override
    public void reset() {
        images = 0;
        failed = 0;
        inputBytes = 0;
        storedValues = 0;
        ratioSum = 0;
        psnrSum = 0;
        finitePsnr = 0;
        exact = 0;
        psnrHistogram = new long[PSNR_BINS + 1];
        ratioHistogram = new long[RATIO_BINS + 1];
    }

    @Override
    public void add(Image image) {
        inputBytes += image.sourceBytes();
        if (!image.compressed()) {
            failed++;
            return;
        }
        images++;
        storedValues += image.parameters();
        ratioSum += image.ratio();
        ratioHistogram[(int) Math.min(RATIO_BINS, Math.max(0, Math.floor(image.ratio() * RATIO_BINS)))]++;
        if (Double.isInfinite(image.psnrDb())) {
            exact++;
        } else {
            psnrSum += image.psnrDb();
            finitePsnr++;
            psnrHistogram[(int) Math.min(PSNR_BINS, Math.max(0, Math.floor(image.psnrDb() / PSNR_BIN_DB)))]++;
        }
    }

    /** Counts {@code count} failed inputs of {@code sourceBytes} in all. */
    public void addFailures(long count, long sourceBytes) {
        failed += count;
        inputBytes += sourceBytes;
    }

    @Override
    public void merge(AccumulatorV2<Image, Tally> other) {
        Tally t = other.value();
        images += t.images;
        failed += t.failed;
        inputBytes += t.inputBytes;
        storedValues += t.storedValues;
        ratioSum += t.ratioSum;
        psnrSum += t.psnrSum;
        finitePsnr += t.finitePsnr;
        exact += t.exact;
        for (int i = 0; i < psnrHistogram.length; i++) {
            psnrHistogram[i] += t.psnrHistogram[i];
        }
        for (int i = 0; i < ratioHistogram.length; i++) {
            ratioHistogram[i] += t.ratioHistogram[i];
        }
    }

    @Override
    public Tally value() {
        return this;
    }

    @Override
    public String toString() {
        return "Tally[images=" + images + ", failed=" + failed + "]";
    }

    public long images() {
        return images;
    }

    public long failed() {
        return failed;
    }

    public long inputBytes() {
        return inputBytes;
    }

    public long storedValues() {
        return storedValues;
    }

    public Double meanRatio() {
        return images == 0 ? null : ratioSum / images;
    }

    /** Mean PSNR over images not rebuilt exactly (whose PSNR is infinite). */
    public Double meanPsnrDb() {
        return finitePsnr == 0 ? null : psnrSum / finitePsnr;
    }

    public long exactImages() {
        return exact;
    }

    /** p05, p50, p95 of PSNR, to the bin width (0.01 dB). */
    public TableManifest.Percentiles psnrPercentiles() {
        return percentiles(psnrHistogram, finitePsnr, PSNR_BIN_DB);
    }

    /** p05, p50, p95 of the ratio, to the bin width (0.0001). */
    public TableManifest.Percentiles ratioPercentiles() {
        return percentiles(ratioHistogram, images, 1.0 / RATIO_BINS);
    }

    private static TableManifest.Percentiles percentiles(long[] histogram, long count, double width) {
        if (count == 0) {
            return null;
        }
        double[] p = new double[3];
        double[] quantiles = {0.05, 0.5, 0.95};
        for (int k = 0; k < quantiles.length; k++) {
            long rank = (long) Math.ceil(quantiles[k] * count);
            long seen = 0;
            int bin = 0;
            while (bin < histogram.length - 1 && seen + histogram[bin] < rank) {
                seen += histogram[bin];
                bin++;
            }
            p[k] = (bin + 0.5) * width;
        }
        return new TableManifest.Percentiles(p[0], p[1], p[2]);
    }
}
