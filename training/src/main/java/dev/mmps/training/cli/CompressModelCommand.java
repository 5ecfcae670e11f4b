package dev.mmps.training.cli;

import dev.mmps.settings.ValidationException;
import dev.mmps.training.compression.CompressionReport;
import dev.mmps.training.compression.ModelCompression;
import dev.mmps.training.compression.ModelCompression.Method;
import dev.mmps.training.compression.ModelCompression.Request;
import dev.mmps.training.compression.CompressionRun;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.eval.EvaluationConfig;
import dev.mmps.training.files.JsonFiles;
import dev.mmps.training.model.Classifier;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mmps compress-model}: a trained classifier with factorised layers, fine-tuned and measured. */
@Command(name = "compress-model", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Factorises a trained classifier's layers (Tucker-2 convolutions, SVD-split or MPO fully "
            + "connected layers), fine-tunes it one-shot or progressively, and saves it with a table of "
            + "parameters, multiply-accumulates and test accuracy per layer (compression.json)."})
final class CompressModelCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "A classifier saved by train-teacher (or by compress-model).")
    private Path model;

    @Option(names = "--method", required = true, paramLabel = "NAME", description = "tucker2 (convolutions), "
            + "svd-fc or mpo (fully connected layers).")
    private String method;

    @Option(names = "--energy", paramLabel = "TAU", description = "tucker2 and svd-fc: keep the smallest ranks whose "
            + "singular values hold this fraction of each unfolding's squared norm, in (0, 1], e.g. 0.9.")
    private Double energy;

    @Option(names = "--bond", paramLabel = "D", description = "mpo: the bond dimension, at least 1, e.g. 4.")
    private Integer bond;

    @Option(names = "--modes", paramLabel = "OUT:IN", split = ",", description = "mpo: each fully connected "
            + "layer's output and input modes in order, e.g. 4x4x4x4:4x7x7x4,1x2x5x1:4x4x4x4; default: each size "
            + "in 4 balanced modes.")
    private List<String> modes;

    @Option(names = "--progressive-epochs", paramLabel = "E", defaultValue = "0", description = "Epochs during which "
            + "the original layers fade out linearly beside the factorised ones (0: one-shot). Default: ${DEFAULT-VALUE}.")
    private int progressiveEpochs;

    @Option(names = "--finetune-epochs", paramLabel = "F", defaultValue = "2", description = "Epochs of fine-tuning "
            + "the factorised model afterwards. Default: ${DEFAULT-VALUE}.")
    private int finetuneEpochs;

    @Option(names = "--learning-rate", paramLabel = "LR", defaultValue = "0.01", description = "Starting learning "
            + "rate of both phases (cosine decay, momentum and weight decay of evaluation.student). "
            + "Default: ${DEFAULT-VALUE}.")
    private float learningRate;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seeds shuffles and augmentation. "
            + "Default: ${DEFAULT-VALUE}.")
    private int seed;

    @Option(names = "--train", required = true, paramLabel = "PATH", description = "Original training images.")
    private String train;

    @Option(names = "--test", required = true, paramLabel = "PATH", description = "Original test images.")
    private String test;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the compressed model.")
    private Path out;

    @Option(names = "--overwrite", description = "Replace a model already saved in --out.")
    private boolean overwrite;

    @Option(names = "--config", paramLabel = "FILE", description = "Settings (keys of conf/evaluation.conf): "
            + "batch size, augmentation, student momentum and weight decay, device.")
    private File config;

    @Mixin
    private DeviceOption device;

    @Override
    public Integer call() throws Exception {
        Method m = Method.parse(method);
        if (m == Method.MPO) {
            ValidationException.check(bond != null, "--method mpo needs --bond D, the bond dimension, e.g. --bond 4");
            ValidationException.check(energy == null, "--energy applies to tucker2 and svd-fc; mpo takes --bond");
        } else {
            ValidationException.check(energy != null, "--method " + m.label() + " needs --energy TAU, the fraction "
                    + "of energy to keep, e.g. --energy 0.9");
            ValidationException.check(bond == null && modes == null, "--bond and --modes apply to mpo; "
                    + m.label() + " takes --energy");
        }
        Request request = new Request(m, energy == null ? 1 : energy, bond == null ? 1 : bond,
                modes == null ? List.of() : modes.stream().map(Request.Modes::parse).toList());
        ValidationException.check(progressiveEpochs >= 0 && finetuneEpochs >= 0, "--progressive-epochs "
                + progressiveEpochs + " and --finetune-epochs " + finetuneEpochs + " must be 0 or more");
        if (Files.exists(out.resolve("classifier.json")) && !overwrite) {
            throw new ValidationException(out + " already holds a model; pass --overwrite to replace it or choose "
                    + "another --out");
        }
        Map<String, Object> overrides = new LinkedHashMap<>();
        overrides.put("train", train);
        overrides.put("test", test);
        EvaluationConfig c = EvaluationConfig.load(config, device.into(overrides));
        DeviceOption.use(c);
        try (Classifier dense = Classifier.load(model)) {
            // Decomposing first refuses a request the model cannot take before any data is read.
            Classifier compressed = ModelCompression.decompose(dense, request);
            OriginalSource trainSet;
            OriginalSource testSet;
            try {
                trainSet = OriginalReader.read(c.train());
                testSet = OriginalReader.read(c.test());
                dense.requireFits(trainSet, "training set");
                dense.requireFits(testSet, "test set");
            } catch (RuntimeException e) {
                compressed.close();
                throw e;
            }
            CompressionRun run = new CompressionRun(c.batchSize(), c.augmentation(), c.student().momentum(),
                    c.student().weightDecay(), learningRate, seed);
            try (CompressionRun.Outcome outcome = run.run(dense, compressed, model.toString(), request, trainSet,
                    testSet, progressiveEpochs, finetuneEpochs)) {
                outcome.classifier().save(out, outcome.notes());
                CompressionReport report = outcome.report();
                JsonFiles.write(out.resolve("compression.json"), report);
                System.out.println("mmps compress-model: " + out + " (" + report.method() + " of " + model + ")");
                System.out.println(report.table());
            }
        }
        return Main.OK;
    }
}
