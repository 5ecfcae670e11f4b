package dev.mmps.spark.cli;

import static dev.mmps.spark.cli.JobFlags.integer;
import static dev.mmps.spark.cli.JobFlags.number;
import static dev.mmps.spark.cli.JobFlags.put;

import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.spark.config.SelectionConfig;
import dev.mmps.spark.select.SelectJob;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mmps select}: the paper's Random and K-Center subsets, on Spark. */
@Command(name = "select", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Picks a Random or K-Center subset of the images under --input, ratio x N whole images, "
            + "and writes their ids to --output (selection/, errors/, manifest.json).",
            "Defaults are in conf/reference.conf (selection section); --config FILE overlays them."})
public final class SelectCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", paramLabel = "PATH", description = "Image folder (<root>/<class>/<file>, JPEG/PNG); "
            + "local path or Hadoop URI.")
    String input;

    @Option(names = "--output", paramLabel = "PATH", description = "Folder to create with selection/, errors/, "
            + "manifest.json.")
    String output;

    @Option(names = "--method", paramLabel = "kcenter|random", description = "Greedy K-Center on pixels (default) "
            + "or a seeded random sample.")
    String method;

    @Option(names = "--ratio", paramLabel = "R", description = "Share of the images kept, in (0, 1] (default 0.3).")
    String ratio;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the sample and of K-Center's first centre "
            + "(default 1).")
    String seed;

    @Option(names = "--feature-size", paramLabel = "HxW", description = "Size K-Center measures distances at "
            + "(default 32x32).")
    String featureSize;

    @Option(names = "--group-images", paramLabel = "N", description = "Largest group selected in one task (default "
            + "10000).")
    String groupImages;

    @Option(names = "--channels", paramLabel = "rgb|gray", description = "Measure colour (default) or gray levels.")
    String channels;

    @CommandLine.Mixin
    SparkOptions sparkOptions = new SparkOptions();

    @Override
    public Integer call() {
        SelectionConfig selection = ConfigLoader.loadSelection(sparkOptions.config, overrides());
        JobFlags.checkLocalPaths(selection.job(), false);
        try (Sessions.Handle spark = Sessions.open(selection.job().spark(), sparkOptions.masterGiven())) {
            Map<String, Object> manifest = new SelectJob(spark.session(), selection).run();
            Summary.printSelection(manifest, selection.job().output(), spec.commandLine().getOut());
            return Main.OK;
        }
    }

    private Map<String, Object> overrides() {
        Map<String, Object> o = new LinkedHashMap<>();
        put(o, "input", input);
        put(o, "output", output);
        put(o, "selection.method", method);
        put(o, "selection.ratio", number("--ratio", ratio));
        put(o, "selection.seed", integer("--seed", seed));
        put(o, "selection.feature-size", featureSize);
        put(o, "selection.group-images", integer("--group-images", groupImages));
        put(o, "ingest.channels", channels);
        sparkOptions.put(o);
        return o;
    }
}
