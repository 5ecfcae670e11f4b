package dev.mmps.spark.cli;

import static dev.mmps.spark.cli.JobFlags.integer;
import static dev.mmps.spark.cli.JobFlags.number;
import static dev.mmps.spark.cli.JobFlags.put;

import dev.mmps.spark.compress.CompressJob;
import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.spark.config.JobConfig;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mmps compress}: the main job. */
@Command(name = "compress", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compresses every image under --input into a factor table under --output.",
            "Defaults are in conf/reference.conf; --config FILE overlays them, flags overlay both."})
public final class CompressCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", paramLabel = "PATH", description = "Image folder (<root>/<class>/<file>, JPEG/PNG) or "
            + "IDX files; local path or Hadoop URI.")
    String input;

    @Option(names = "--output", paramLabel = "PATH", description = "Folder to create with factors/, errors/, "
            + "manifest.json.")
    String output;

    @Option(names = "--ratio", paramLabel = "R", description = "Target compression ratio in (0, 1]: stored values "
            + "over H*W*C (default 0.3).")
    String ratio;

    @Option(names = "--max-bond", paramLabel = "D", description = "Same cap on every bond instead of a ratio.")
    String maxBond;

    @Option(names = "--epsilon", paramLabel = "E", description = "Relative error target in (0, 1) instead of a "
            + "ratio.")
    String epsilon;

    @Option(names = "--stages", paramLabel = "K", description = "MPS stages (default 2, the paper's MMPS).")
    String stages;

    @Option(names = "--codec", paramLabel = "mmps|mps|svd|cp|tucker", description = "How to compress (default mmps); "
            + "svd, cp and tucker are the paper's baselines at the same parameter budget and take --ratio only.")
    String codec;

    @Option(names = "--precision", paramLabel = "fp32|fp16|int8|int8-core", description = "How factor values are "
            + "stored (default fp32); statistics are measured on what is stored.")
    String precision;

    @Option(names = "--order", paramLabel = "row|block", description = "Index order of the automatic layout "
            + "(default block).")
    String order;

    @Option(names = "--size", paramLabel = "HxW", description = "Resize: shorter side scaled to cover, centre "
            + "cropped. Needed when images differ in size.")
    String size;

    @Option(names = "--channels", paramLabel = "auto|rgb|gray", description = "Channel handling (default auto: "
            + "grayscale stays one channel, alpha is dropped).")
    String channels;

    @Option(names = "--mps-cores", paramLabel = "N", description = "Cores of each MPS (default 5).")
    String mpsCores;

    @Option(names = "--layout", paramLabel = "SPEC", description = "Explicit layout, e.g. block:2x2,4x4,2x2,2x2,1x1x3 "
            + "or row:4,8,8,4,3 (see docs/FORMAT.md).")
    String layout;

    @Option(names = "--route", paramLabel = "NAME", description = "SVD route: auto, blas-gram, java-gram, "
            + "lapack-gram, lapack-svd.")
    String route;

    @Option(names = "--calibration-images", paramLabel = "N", description = "Images sampled to calibrate the rank "
            + "profile (default 32; 0 = the paper's uniform caps).")
    String calibration;

    @Option(names = "--incremental", description = "Add to an existing output: compress only new and changed files "
            + "(same settings as the table); write nothing when nothing is new.")
    boolean incremental;

    @Option(names = "--prune", description = "With --incremental: drop rows of files no longer in the input (kept "
            + "and reported otherwise).")
    boolean prune;

    @Option(names = "--ui", description = "Keep Spark's web UI on while the job runs.")
    boolean ui;

    @CommandLine.Mixin
    SparkOptions sparkOptions = new SparkOptions();

    @Override
    public Integer call() {
        JobConfig job = ConfigLoader.load(sparkOptions.config, overrides());
        JobFlags.checkLocalPaths(job, true);
        PrintWriter out = spec.commandLine().getOut();
        try (Sessions.Handle spark = Sessions.open(job.spark(), sparkOptions.masterGiven())) {
            Map<String, Object> manifest = new CompressJob(spark.session(), job).run();
            Summary.print(manifest, out);
            return Main.OK;
        }
    }

    private Map<String, Object> overrides() {
        Map<String, Object> o = new LinkedHashMap<>();
        put(o, "input", input);
        put(o, "output", output);
        put(o, "compression.ratio", number("--ratio", ratio));
        put(o, "compression.max-bond", integer("--max-bond", maxBond));
        put(o, "compression.epsilon", number("--epsilon", epsilon));
        put(o, "compression.stages", integer("--stages", stages));
        put(o, "compression.codec", codec);
        put(o, "compression.precision", precision);
        put(o, "compression.order", order);
        put(o, "compression.mps-cores", integer("--mps-cores", mpsCores));
        put(o, "compression.layout", layout);
        put(o, "compression.route", route);
        put(o, "compression.calibration-images", integer("--calibration-images", calibration));
        put(o, "ingest.size", size);
        put(o, "ingest.channels", channels);
        sparkOptions.put(o);
        if (incremental) {
            o.put("incremental", true);
        }
        if (prune) {
            o.put("prune", true);
        }
        if (ui) {
            o.put("spark.ui", true);
        }
        return o;
    }
}
