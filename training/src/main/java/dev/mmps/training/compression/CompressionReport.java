package dev.mmps.training.compression;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code mmps compress-model} did, written as {@code compression.json} beside the compressed model and
 * printed as a table: per factorised layer and in total, parameters and multiply-accumulates per image
 * before and after, and test accuracy of the original, right after decomposition, after the progressive
 * phase (if any) and after fine-tuning, and inference speed.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CompressionReport(String model, String method, int progressiveEpochs, int finetuneEpochs,
        List<Layer> layers, Totals totals, Accuracy accuracy, Speed inference, double seconds) {

    /** One top-level layer that changed. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Layer(int index, String before, String after, long parametersBefore, long parametersAfter,
            long macsBefore, long macsAfter) {}

    /** The whole network, and its factorised layers alone. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Totals(long parametersBefore, long parametersAfter, long macsBefore, long macsAfter,
            long layerParametersBefore, long layerParametersAfter) {}

    /** Test accuracies; {@code progressive} and {@code finetuned} are null when that phase did not run. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Accuracy(double original, double decomposed, Double progressive, Double finetuned) {}

    /**
     * Inference speed on the test set in images per second (reading the batches included), one pass each
     * after the pass that measured its accuracy.
     */
    public record Speed(double original, double factorised) {}

    /** The layers whose costs differ between two networks' {@link LayerCosts}, and the totals. */
    static CompressionReport.Totals totals(List<LayerCosts.Cost> before, List<LayerCosts.Cost> after,
            List<Layer> changed) {
        long layerBefore = changed.stream().mapToLong(Layer::parametersBefore).sum();
        long layerAfter = changed.stream().mapToLong(Layer::parametersAfter).sum();
        return new Totals(before.stream().mapToLong(LayerCosts.Cost::parameters).sum(),
                after.stream().mapToLong(LayerCosts.Cost::parameters).sum(),
                before.stream().mapToLong(LayerCosts.Cost::multiplyAccumulates).sum(),
                after.stream().mapToLong(LayerCosts.Cost::multiplyAccumulates).sum(), layerBefore, layerAfter);
    }

    /** The layers at {@code indices}, with their descriptions. */
    static List<Layer> layers(List<LayerCosts.Cost> before, List<LayerCosts.Cost> after, List<Integer> indices,
            java.util.function.IntFunction<String> describeAfter) {
        List<Layer> layers = new ArrayList<>();
        for (int i : indices) {
            LayerCosts.Cost b = before.get(i);
            LayerCosts.Cost a = after.get(i);
            layers.add(new Layer(i, b.kind(), describeAfter.apply(i), b.parameters(), a.parameters(),
                    b.multiplyAccumulates(), a.multiplyAccumulates()));
        }
        return layers;
    }

    /** The report as a fixed-width table for the console. */
    public String table() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-6s %-12s %-40s %12s %12s %8s %14s %14s %8s%n", "layer", "before", "after",
                "params", "params now", "x", "MACs", "MACs now", "x"));
        for (Layer l : layers) {
            s.append(String.format(Locale.ROOT, "%-6d %-12s %-40s %,12d %,12d %8.2f %,14d %,14d %8.2f%n", l.index(),
                    l.before(), l.after(), l.parametersBefore(), l.parametersAfter(),
                    ratio(l.parametersBefore(), l.parametersAfter()), l.macsBefore(), l.macsAfter(),
                    ratio(l.macsBefore(), l.macsAfter())));
        }
        s.append(String.format(Locale.ROOT, "%-6s %-12s %-40s %,12d %,12d %8.2f%n", "these", "", "",
                totals.layerParametersBefore(), totals.layerParametersAfter(),
                ratio(totals.layerParametersBefore(), totals.layerParametersAfter())));
        s.append(String.format(Locale.ROOT, "%-6s %-12s %-40s %,12d %,12d %8.2f %,14d %,14d %8.2f%n", "all", "", "",
                totals.parametersBefore(), totals.parametersAfter(), ratio(totals.parametersBefore(),
                        totals.parametersAfter()), totals.macsBefore(), totals.macsAfter(),
                ratio(totals.macsBefore(), totals.macsAfter())));
        s.append(String.format(Locale.ROOT, "test accuracy: original %.2f%%, decomposed %.2f%%", 100 * accuracy.original(),
                100 * accuracy.decomposed()));
        if (accuracy.progressive() != null) {
            s.append(String.format(Locale.ROOT, ", after %d progressive epoch(s) %.2f%%", progressiveEpochs,
                    100 * accuracy.progressive()));
        }
        if (accuracy.finetuned() != null) {
            s.append(String.format(Locale.ROOT, ", after %d fine-tuning epoch(s) %.2f%%", finetuneEpochs,
                    100 * accuracy.finetuned()));
        }
        s.append(String.format(Locale.ROOT, "%ninference: original %.0f images/s, factorised %.0f images/s (%.2fx)",
                inference.original(), inference.factorised(), inference.factorised() / inference.original()));
        return s.append(String.format(Locale.ROOT, " (%.0f s in all)", seconds)).toString();
    }

    private static double ratio(long before, long after) {
        return after == 0 ? Double.NaN : (double) before / after;
    }
}
