package dev.mmps.training.cli;

import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.FactorSource;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.distill.CorrectionLayer;
import dev.mmps.training.distill.CorrectionTable;
import dev.mmps.training.eval.EvaluationConfig;
import dev.mmps.training.eval.Stages;
import dev.mmps.training.model.Classifier;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mmps distill}: learns a factor table's Eq. 7 correction from a teacher, as per-image terms or a layer. */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = "Learns a factor table's correction (paper Eq. 7) with a frozen teacher: per-image terms, written "
                + "as corrections.parquet (--form terms), or one layer for the whole table, written as "
                + "correction-layer.json (--form layer).")
final class DistillCommand implements Callable<Integer> {

    @Mixin
    private DeviceOption device;

    @Option(names = "--teacher", required = true, paramLabel = "DIR", description = "A folder from train-teacher.")
    private Path teacher;

    @Option(names = "--originals", required = true, paramLabel = "PATH",
            description = "The original images the table was compressed from.")
    private Path originals;

    @Option(names = "--table", required = true, paramLabel = "DIR", description = "The factor table (compress --output).")
    private Path table;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the corrections.")
    private Path out;

    @Option(names = "--rank", paramLabel = "R",
            description = "With --form terms: overrides evaluation.correction.rank (0: full terms).")
    private Integer rank;

    @Option(names = "--steps", paramLabel = "N",
            description = "With --form terms: overrides evaluation.correction.steps.")
    private Integer steps;

    // The layer by default: neither form helped students in the evaluation grid (BENCHMARKS.md, "The evaluation's
    // own protocol"), and the layer costs 3,084 values for a CIFAR-10 table where the terms add up to 40% to its bytes.
    @Option(names = "--form", paramLabel = "FORM", defaultValue = "layer",
            description = "layer (one map for every image, stored once; its settings are evaluation.correction.layer) "
                    + "or terms (one low-rank term per image). Default: ${DEFAULT-VALUE}.")
    private String form;

    @Option(names = "--config", paramLabel = "FILE", description = "Settings (keys of conf/evaluation.conf).")
    private File config;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> o = new LinkedHashMap<>();
        TrainTeacherCommand.putIfSet(o, "correction.rank", rank);
        TrainTeacherCommand.putIfSet(o, "correction.steps", steps);
        EvaluationConfig c = EvaluationConfig.load(config, device.into(o));
        boolean layer = switch (form.trim().toLowerCase(Locale.ROOT)) {
            case "terms" -> false;
            case "layer" -> true;
            default -> throw new ValidationException("--form " + form + " is unknown: use terms (a low-rank term per "
                    + "image) or layer (one map applied to every image)");
        };
        if (layer) {
            if (rank != null || steps != null) {
                throw new ValidationException((rank != null ? "--rank" : "--steps") + " sets the per-image terms, "
                        + "but --form is layer: add --form terms, or set the layer in evaluation.correction.layer");
            }
            return learnLayer(c);
        }
        if (Files.exists(out.resolve(CorrectionTable.TABLE))) {
            throw new ValidationException(out + " already holds corrections; delete " + out.resolve(CorrectionTable.TABLE)
                    + " or choose another --out");
        }
        DeviceOption.use(c);
        try (Classifier t = Classifier.load(teacher)) {
            FactorSource rebuilt = FactorSource.open(table);
            Stages.Learned learned = Stages.corrections(t, OriginalReader.read(originals), rebuilt, c.correction(),
                    c.correctionSeed(), out);
            // The losses are in the learner's last line; this one says where the result is.
            System.out.printf(Locale.ROOT, "mmps distill: %d corrections of rank %d, %,d bytes, in %s%n",
                    learned.corrections().terms().size(), learned.corrections().rank(), learned.storedBytes(),
                    out.resolve(CorrectionTable.TABLE));
        }
        return Main.OK;
    }

    private int learnLayer(EvaluationConfig c) {
        if (Files.exists(out.resolve(CorrectionLayer.FILE))) {
            throw new ValidationException(out + " already holds a correction layer; delete "
                    + out.resolve(CorrectionLayer.FILE) + " or choose another --out");
        }
        DeviceOption.use(c);
        try (Classifier t = Classifier.load(teacher)) {
            Stages.Layer learned = Stages.layer(t, OriginalReader.read(originals), FactorSource.open(table), c.layer(),
                    c.correctionSeed(), out);
            System.out.printf(Locale.ROOT, "mmps distill: a %s correction layer of %d values, %,d bytes, in %s%n",
                    learned.layer().form().label(), learned.layer().storedValues(), learned.storedBytes(),
                    out.resolve(CorrectionLayer.FILE));
        }
        return Main.OK;
    }
}
