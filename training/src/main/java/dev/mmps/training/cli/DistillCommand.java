package dev.mmps.training.cli;

import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.FactorSource;
import dev.mmps.training.data.OriginalReader;
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

/** {@code mmps distill}: learns a factor table's Eq. 7 corrections from a teacher. */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = "Learns per-image corrections of a factor table (paper Eq. 7) with a frozen teacher and writes "
                + "them as corrections.parquet.")
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

    @Option(names = "--rank", paramLabel = "R", description = "Overrides evaluation.correction.rank (0: full terms).")
    private Integer rank;

    @Option(names = "--steps", paramLabel = "N", description = "Overrides evaluation.correction.steps.")
    private Integer steps;

    @Option(names = "--config", paramLabel = "FILE", description = "Settings (keys of conf/evaluation.conf).")
    private File config;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> o = new LinkedHashMap<>();
        TrainTeacherCommand.putIfSet(o, "correction.rank", rank);
        TrainTeacherCommand.putIfSet(o, "correction.steps", steps);
        EvaluationConfig c = EvaluationConfig.load(config, device.into(o));
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
}
