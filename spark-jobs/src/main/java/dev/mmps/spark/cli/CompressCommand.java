package dev.mmps.spark.cli;

import dev.mmps.images.ChannelMode;
import dev.mmps.images.DecoderChoice;
import dev.mmps.spark.compress.CompressJob;
import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.spark.config.JobConfig;
import dev.mmps.table.Precision;
import dev.mmps.table.TableManifest;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mmps compress}: the main job. Each option sets the {@code reference.conf} key named by its
 * {@code descriptionKey} ({@link SettingOptions}); the typed fields are picocli's conversion and check of
 * what the user typed, and the values reach the job through the configuration's layers.
 */
@Command(name = "compress", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = {"Compresses every image under --input into a factor table under --output.",
            "Defaults are in conf/reference.conf; --config FILE overlays them, flags overlay both."})
public final class CompressCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", paramLabel = "PATH", descriptionKey = "input", description = "Image folder "
            + "(<root>/<class>/<file>, JPEG/PNG) or IDX files; local path or Hadoop URI.")
    String input;

    @Option(names = "--output", paramLabel = "PATH", descriptionKey = "output", description = "Folder to create with "
            + "factors/, errors/, manifest.json.")
    String output;

    @Option(names = "--ratio", paramLabel = "R", descriptionKey = "compression.ratio", description = "Target "
            + "compression ratio in (0, 1]: stored values over H*W*C.")
    Double ratio;

    @Option(names = "--max-bond", paramLabel = "D", descriptionKey = "compression.max-bond", description = "Same cap "
            + "on every bond instead of a ratio.")
    Integer maxBond;

    @Option(names = "--epsilon", paramLabel = "E", descriptionKey = "compression.epsilon", description = "Relative "
            + "error target in (0, 1) instead of a ratio.")
    Double epsilon;

    @Option(names = "--stages", paramLabel = "K", descriptionKey = "compression.stages", description = "MPS stages "
            + "(2 is the paper's MMPS).")
    Integer stages;

    @Option(names = "--codec", paramLabel = "mmps|mps|svd|cp|tucker", descriptionKey = "compression.codec",
            description = "How to compress; svd, cp and tucker are the paper's baselines at the same parameter "
                    + "budget and take --ratio only.")
    String codec;

    @Option(names = "--precision", paramLabel = "fp32|fp16|int8|int8-core", descriptionKey = "compression.precision",
            description = "How factor values are stored; statistics are measured on what is stored.")
    Precision precision;

    @Option(names = "--layout", paramLabel = "auto|SPEC", descriptionKey = "compression.layout", description = "auto "
            + "measures candidate layouts on the calibration sample and keeps the best; a spec such as "
            + "block:2x2,4x4,2x2,2x2,1x1x3 or row:4,8,8,4,3 forces one (docs/FORMAT.md).")
    String layout;

    @Option(names = "--order", paramLabel = "auto|row|block", descriptionKey = "compression.order", description =
            "Forces a planned layout of this index order.")
    String order;

    @Option(names = "--mps-cores", paramLabel = "auto|N", descriptionKey = "compression.mps-cores", description =
            "Forces a planned layout of N cores per MPS.")
    String mpsCores;

    @Option(names = "--size", paramLabel = "HxW", descriptionKey = "ingest.size", description = "Resize: shorter side "
            + "scaled to cover, centre cropped. Needed when images differ in size.")
    String size;

    @Option(names = "--channels", paramLabel = "auto|rgb|gray", descriptionKey = "ingest.channels", description =
            "Channel handling (auto: grayscale stays one channel, alpha is dropped).")
    ChannelMode channels;

    @Option(names = "--decoder", paramLabel = "auto|opencv|imageio", descriptionKey = "ingest.decoder", description =
            "JPEG and PNG decoder (auto: OpenCV where its native library loads, else ImageIO).")
    DecoderChoice decoder;

    @Option(names = "--route", paramLabel = "NAME", descriptionKey = "compression.route", description = "SVD route: "
            + "auto, blas-gram, java-gram, lapack-gram, lapack-svd, randomized.")
    String route;

    @Option(names = "--calibration-images", paramLabel = "N", descriptionKey = "compression.calibration-images",
            description = "Images sampled to calibrate the rank profile (and to choose the layout); 0 = the paper's "
                    + "uniform caps.")
    Integer calibration;

    @Option(names = "--incremental", descriptionKey = "incremental", description = "Add to an existing output: "
            + "compress only new and changed files (same settings as the table); write nothing when nothing is new.")
    boolean incremental;

    @Option(names = "--prune", descriptionKey = "prune", description = "With --incremental: drop rows of files no "
            + "longer in the input (kept and reported otherwise).")
    boolean prune;

    @Option(names = "--table-format", paramLabel = "parquet|delta", descriptionKey = "output-format.table",
            description = "Store factors/ and errors/ as Parquet folders (default) or Delta tables (atomic commits, "
                    + "MERGE for --incremental, earlier versions readable).")
    String tableFormat;

    @Option(names = "--ui", descriptionKey = "spark.ui", description = "Keep Spark's web UI on while the job runs.")
    boolean ui;

    @CommandLine.Mixin
    SparkOptions sparkOptions = new SparkOptions();

    @Override
    public Integer call() {
        JobConfig job = ConfigLoader.load(sparkOptions.config, sparkOptions.overrides(spec));
        JobFlags.checkLocalPaths(job, true);
        try (Sessions.Handle spark = Sessions.open(job.spark(), sparkOptions.masterGiven(spec))) {
            TableManifest manifest = new CompressJob(spark.session(), job).run();
            Summary.print(manifest, spec.commandLine().getOut());
            return Main.OK;
        }
    }
}
