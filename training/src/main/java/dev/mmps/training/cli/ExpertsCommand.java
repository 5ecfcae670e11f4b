package dev.mmps.training.cli;

import static dev.mmps.training.cli.TrainTeacherCommand.putIfSet;

import dev.mmps.settings.ValidationException;
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

/** {@code mmps experts}: the expert trajectories that trajectory matching condenses a dataset against. */
@Command(name = "experts", mixinStandardHelpOptions = true,
        description = "Trains ConvNets on the original training images with plain SGD and keeps every one's "
                + "parameters after every epoch (the expert trajectories of dataset condensation). Stopped, it "
                + "resumes from each expert's last whole epoch.")
final class ExpertsCommand implements Callable<Integer> {

    @Mixin
    private DeviceOption device;

    @Option(names = "--train", required = true, paramLabel = "PATH", description = "Original training images.")
    private String train;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder of the experts.")
    private Path out;

    @Option(names = "--architecture", paramLabel = "NAME", defaultValue = "convnet",
            description = "The experts' network: convnet (trajectory matching's ConvNet), the only one so far.")
    private String architecture;

    @Option(names = "--width", paramLabel = "W", description = "Overrides evaluation.experts.filters.")
    private Integer width;

    @Option(names = "--depth", paramLabel = "D", description = "Overrides evaluation.experts.depth.")
    private Integer depth;

    @Option(names = "--experts", paramLabel = "N", description = "Overrides evaluation.experts.count.")
    private Integer experts;

    @Option(names = "--epochs", paramLabel = "E", description = "Overrides evaluation.experts.epochs.")
    private Integer epochs;

    @Option(names = "--seed", paramLabel = "S", description = "Overrides evaluation.experts.seed.")
    private Long seed;

    @Option(names = "--config", paramLabel = "FILE", description = "Settings (keys of conf/evaluation.conf).")
    private File config;

    @Override
    public Integer call() {
        ValidationException.check(architecture.equals("convnet"), "--architecture " + architecture + " is not "
                + "supported for experts: use convnet (trajectory matching's ConvNet; set its size with --width and "
                + "--depth)");
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("train", train);
        putIfSet(o, "experts.filters", width);
        putIfSet(o, "experts.depth", depth);
        putIfSet(o, "experts.count", experts);
        putIfSet(o, "experts.epochs", epochs);
        putIfSet(o, "experts.seed", seed);
        EvaluationConfig c = EvaluationConfig.load(config, device.into(o));
        DeviceOption.use(c);
        OriginalSource trainSet = OriginalReader.read(c.train());
        Experts.record(out, trainSet, c.train().toString(), c.experts(), TrainingDevice.current());
        return Main.OK;
    }
}
