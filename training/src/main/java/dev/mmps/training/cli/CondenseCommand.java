package dev.mmps.training.cli;

import static dev.mmps.training.cli.TrainTeacherCommand.putIfSet;

import dev.mmps.training.condense.Condensation;
import dev.mmps.training.condense.Experts;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.device.TrainingDevice;
import dev.mmps.training.eval.EvaluationConfig;
import java.io.File;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mmps condense}: a synthetic training set learned by trajectory matching against recorded experts. */
@Command(name = "condense", mixinStandardHelpOptions = true,
        description = "Learns a synthetic training set within the values of --ipc images per class by matching "
                + "training trajectories against experts recorded by 'mmps experts': MTT's pixels, NSD's spectrum "
                + "tensors and kernels, or MTT-LSS's low-rank spaces. Stopped, it resumes from its last checkpoint; "
                + "the set is complete when its manifest.json is written.")
final class CondenseCommand implements Callable<Integer> {

    @Mixin
    private DeviceOption device;

    @Option(names = "--method", paramLabel = "NAME", description = "mtt (images in pixel space), nsd (spectrum "
            + "tensors and kernels) or lss (low-rank spaces and soft labels); overrides evaluation.condense.method.")
    private String method;

    @Option(names = "--experts", required = true, paramLabel = "DIR", description = "Experts from 'mmps experts'.")
    private Path experts;

    @Option(names = "--train", required = true, paramLabel = "PATH",
            description = "The original training images the experts were trained on.")
    private String train;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder of the synthetic set.")
    private Path out;

    @Option(names = "--ipc", paramLabel = "K", description = "Overrides evaluation.condense.ipc.")
    private Integer ipc;

    @Option(names = "--iterations", paramLabel = "N", description = "Overrides evaluation.condense.iterations.")
    private Integer iterations;

    @Option(names = "--syn-steps", paramLabel = "S", description = "Overrides evaluation.condense.syn-steps.")
    private Integer synSteps;

    @Option(names = "--expert-epochs", paramLabel = "M",
            description = "Overrides evaluation.condense.expert-epochs.")
    private Integer expertEpochs;

    @Option(names = "--max-start-epoch", paramLabel = "T",
            description = "Overrides evaluation.condense.max-start-epoch.")
    private Integer maxStartEpoch;

    @Option(names = "--seed", paramLabel = "X", description = "Overrides evaluation.condense.seed.")
    private Long seed;

    @Option(names = "--config", paramLabel = "FILE", description = "Settings (keys of conf/evaluation.conf).")
    private File config;

    @Override
    public Integer call() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("train", train);
        putIfSet(o, "condense.method", method);
        putIfSet(o, "condense.ipc", ipc);
        putIfSet(o, "condense.iterations", iterations);
        putIfSet(o, "condense.syn-steps", synSteps);
        putIfSet(o, "condense.expert-epochs", expertEpochs);
        putIfSet(o, "condense.max-start-epoch", maxStartEpoch);
        putIfSet(o, "condense.seed", seed);
        EvaluationConfig c = EvaluationConfig.load(config, device.into(o));
        Experts recorded = Experts.open(experts);
        // A form over its budget is refused before the training images are read.
        Condensation.form(recorded, c.condense().ownBlockOnly());
        DeviceOption.use(c);
        OriginalSource trainSet = OriginalReader.read(c.train());
        Condensation.run(out, recorded, experts.toString(), trainSet, c.condense(), TrainingDevice.current());
        return Main.OK;
    }
}
