package dev.mmps.training.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * {@code evaluation.html}: what each way of shrinking the training data keeps, at a glance. Test accuracy
 * against the bytes each student's source takes on disk per training image, and against the stored values of
 * Eq. 6, one point per method and ratio with a bar of one standard deviation over seeds; below them every
 * point as a table, cheapest first. Drawn by JFreeChart, the PNGs inlined so the page is one file.
 */
final class EvaluationPage {

    private static final int WIDTH = 760;
    private static final int HEIGHT = 460;

    private EvaluationPage() {}

    static String html(List<EvaluationReport.Cell> cells, String header) {
        StringBuilder page = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>mmps "
                + "evaluation</title><style>body{font-family:sans-serif;margin:2em;max-width:1100px}"
                + "table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}"
                + "td.l,th.l{text-align:left}</style></head><body>\n<h1>Evaluation</h1>\n<p>")
                .append(escape(header)).append("</p>\n");
        for (String arch : cells.stream().map(EvaluationReport.Cell::architecture).distinct().toList()) {
            List<EvaluationReport.Cell> mine = cells.stream().filter(c -> c.architecture().equals(arch)).toList();
            page.append("<h2>").append(escape(arch)).append("</h2>\n");
            if (mine.stream().allMatch(c -> c.storedBytes() != null)) {
                page.append(image(chart(arch + ": test accuracy against stored bytes", "stored bytes per training image "
                        + "(log scale)", mine, EvaluationPage::bytesPerImage, true)));
            }
            page.append(image(chart(arch + ": test accuracy against stored values", "stored values over the "
                    + "training images' pixels (Eq. 6)", mine, EvaluationReport.Cell::storedRatio, false)));
            page.append("<table><tr><th class=\"l\">method</th><th>ratio</th><th>stored bytes per image</th>"
                    + "<th>stored values (Eq. 6)</th><th>test accuracy %</th><th>seeds</th></tr>\n");
            mine.stream().sorted(Comparator.comparingDouble(c -> c.storedBytes() == null ? c.storedRatio()
                    : bytesPerImage(c))).forEach(c -> page.append(String.format(Locale.ROOT,
                    "<tr><td class=\"l\">%s</td><td>%s</td><td>%s</td><td>%.3f</td><td>%.2f ± %.2f</td><td>%d</td></tr>%n",
                    escape(title(c.method())), c.method().equals(Method.ORIGINAL.label()) ? "all"
                            : EvaluationConfig.ratioText(c.ratio()), c.storedBytes() == null ? ""
                            : String.format(Locale.ROOT, "%.0f", bytesPerImage(c)), c.storedRatio(), 100 * c.mean(),
                    100 * c.std(), c.n())));
            page.append("</table>\n");
        }
        return page.append("</body></html>\n").toString();
    }

    static double bytesPerImage(EvaluationReport.Cell c) {
        return (double) c.storedBytes() / c.trainImages();
    }

    private static String title(String label) {
        try {
            return Method.parse(label).title();
        } catch (RuntimeException e) {
            return label;
        }
    }

    /** One series per method through its ratios, each point with a bar of one standard deviation. */
    private static JFreeChart chart(String title, String xLabel, List<EvaluationReport.Cell> cells,
            ToDoubleFunction<EvaluationReport.Cell> x, boolean logX) {
        Map<String, YIntervalSeries> series = new LinkedHashMap<>();
        for (EvaluationReport.Cell c : cells) {
            double mean = 100 * c.mean();
            double spread = 100 * c.std();
            series.computeIfAbsent(c.method(), m -> new YIntervalSeries(title(m)))
                    .add(x.applyAsDouble(c), mean, mean - spread, mean + spread);
        }
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        series.values().forEach(data::addSeries);
        ValueAxis xAxis;
        if (logX) {
            xAxis = new LogAxis(xLabel);
        } else {
            NumberAxis linear = new NumberAxis(xLabel);
            linear.setAutoRangeIncludesZero(false);
            xAxis = linear;
        }
        NumberAxis yAxis = new NumberAxis("test accuracy %");
        yAxis.setAutoRangeIncludesZero(false);
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDrawXError(false);
        renderer.setDefaultLinesVisible(true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(1.5f));
        }
        XYPlot plot = new XYPlot(data, xAxis, yAxis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static String image(JFreeChart chart) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT);
            return "<p><img alt=\"" + escape(chart.getTitle().getText()) + "\" src=\"data:image/png;base64,"
                    + Base64.getEncoder().encodeToString(out.toByteArray()) + "\"></p>\n";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot draw " + chart.getTitle().getText() + ": " + e.getMessage(), e);
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
