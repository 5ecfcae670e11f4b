package dev.mmps.training.cli;

import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.eval.EvaluationConfig;
import dev.mmps.training.eval.Stages;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mmps train-teacher}: the classifier on the original images that Eq. 7 distils from. */
@Command(name = "train-teacher", mixinStandardHelpOptions = true,
        description = "Trains a classifier on the original training images and saves it, with its test accuracy.")
final class TrainTeacherCommand implements Callable<Integer> {

    @Mixin
    private DeviceOption device;

    @Option(names = "--train", required = true, paramLabel = "PATH", description = "Original training images.")
    private String train;

    @Option(names = "--test", required = true, paramLabel = "PATH", description = "Original test images.")
    private String test;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to save the teacher in.")
    private Path out;

    @Option(names = "--architecture", paramLabel = "NAME", description = "convnet, resnet18, vgg16, mobilenetv2, "
            + "fc2, lenet5, fc2-mpo, lenet5-mpo or convnet-mpo.")
    private String architecture;

    @Option(names = "--bond", paramLabel = "D", description = "Overrides evaluation.mpo-bond: the bond dimension "
            + "of the -mpo architectures' layers.")
    private Integer bond;

    @Option(names = "--epochs", paramLabel = "N", description = "Overrides evaluation.teacher.epochs.")
    private Integer epochs;

    @Option(names = "--seed", paramLabel = "N", description = "Overrides evaluation.teacher.seed.")
    private Integer seed;

    @Option(names = "--overwrite", description = "Replace a teacher already saved in --out.")
    private boolean overwrite;

    @Option(names = "--config", paramLabel = "FILE", description = "Settings (keys of conf/evaluation.conf).")
    private File config;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("train", train);
        o.put("test", test);
        putIfSet(o, "teacher.architecture", architecture);
        putIfSet(o, "teacher.epochs", epochs);
        putIfSet(o, "teacher.seed", seed);
        putIfSet(o, "mpo-bond", bond);
        EvaluationConfig c = EvaluationConfig.load(config, device.into(o));
        Path description = out.resolve("classifier.json");
        if (Files.exists(description)) {
            if (!overwrite) {
                throw new ValidationException(out + " already holds a teacher; pass --overwrite to replace it or "
                        + "choose another --out");
            }
            Files.delete(description);
        }
        DeviceOption.use(c);
        OriginalSource trainSet = OriginalReader.read(c.train());
        OriginalSource testSet = OriginalReader.read(c.test());
        // Stages logs what was trained, its test accuracy and where it is saved: the command's result.
        Stages.teacher(c, trainSet, testSet, out).classifier().close();
        return Main.OK;
    }

    static void putIfSet(Map<String, Object> overrides, String key, Object value) {
        if (value != null) {
            overrides.put(key, value);
        }
    }
}
