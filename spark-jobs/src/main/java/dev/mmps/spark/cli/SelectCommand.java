package dev.mmps.spark.cli;

import dev.mmps.images.ChannelMode;
import dev.mmps.images.DecoderChoice;
import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.spark.config.SelectionConfig;
import dev.mmps.spark.select.SelectJob;
import dev.mmps.table.SubsetManifest;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mmps select}: the paper's Random and K-Center subsets, on Spark. Options set the
 * {@code reference.conf} keys named by their {@code descriptionKey}, as for compress.
 */
@Command(name = "select", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = {"Picks a Random or K-Center subset of the images under --input, ratio x N whole images, "
            + "and writes their ids to --output (selection/, errors/, manifest.json).",
            "Defaults are in conf/reference.conf (selection section); --config FILE overlays them."})
public final class SelectCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", paramLabel = "PATH", descriptionKey = "input", description = "Image folder "
            + "(<root>/<class>/<file>, JPEG/PNG); local path or Hadoop URI.")
    String input;

    @Option(names = "--output", paramLabel = "PATH", descriptionKey = "output", description = "Folder to create with "
            + "selection/, errors/, manifest.json.")
    String output;

    @Option(names = "--method", paramLabel = "kcenter|random", descriptionKey = "selection.method", description =
            "Greedy K-Center on pixels or a seeded random sample.")
    String method;

    @Option(names = "--ratio", paramLabel = "R", descriptionKey = "selection.ratio", description = "Share of the "
            + "images kept, in (0, 1].")
    Double ratio;

    @Option(names = "--seed", paramLabel = "S", descriptionKey = "selection.seed", description = "Seed of the sample "
            + "and of K-Center's first centre.")
    Long seed;

    @Option(names = "--feature-size", paramLabel = "HxW", descriptionKey = "selection.feature-size", description =
            "Size K-Center measures distances at.")
    String featureSize;

    @Option(names = "--group-images", paramLabel = "N", descriptionKey = "selection.group-images", description =
            "Largest group selected in one task.")
    Integer groupImages;

    @Option(names = "--channels", paramLabel = "auto|rgb|gray", descriptionKey = "ingest.channels", description =
            "Measure colour or gray levels (auto: colour unless the images are gray).")
    ChannelMode channels;

    @Option(names = "--decoder", paramLabel = "auto|opencv|imageio", descriptionKey = "ingest.decoder", description =
            "JPEG and PNG decoder (auto: OpenCV where its native library loads, else ImageIO).")
    DecoderChoice decoder;

    @CommandLine.Mixin
    SparkOptions sparkOptions = new SparkOptions();

    @Override
    public Integer call() {
        SelectionConfig selection = ConfigLoader.loadSelection(sparkOptions.config, sparkOptions.overrides(spec));
        JobFlags.checkLocalPaths(selection.job(), false);
        try (Sessions.Handle spark = Sessions.open(selection.job().spark(), sparkOptions.masterGiven(spec))) {
            SubsetManifest manifest = new SelectJob(spark.session(), selection).run();
            Summary.printSelection(manifest, selection.job().output(), spec.commandLine().getOut());
            return Main.OK;
        }
    }
}
