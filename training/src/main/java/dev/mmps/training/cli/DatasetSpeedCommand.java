package dev.mmps.training.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import dev.mmps.settings.ValidationException;
import dev.mmps.training.data.FactorSource;
import dev.mmps.training.data.ImageSource;
import dev.mmps.training.data.OriginalReader;
import dev.mmps.training.data.OriginalSource;
import dev.mmps.training.data.SourceDataset;
import dev.mmps.training.eval.EvaluationConfig;
import dev.mmps.training.model.Architecture;
import dev.mmps.training.model.Classifier;
import dev.mmps.training.model.ClassifierTraining;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mmps dataset-speed}: images per second the Dataset rebuilds from a factor table, against decoding
 * the same images from their JPEG or PNG files, each round timed whole; the last round is the figure (the
 * first ones include JIT warm-up).
 */
@Command(name = "dataset-speed", mixinStandardHelpOptions = true,
        description = "Measures images/s of rebuilding a factor table through the Dataset against decoding the "
                + "original files, and prints the figures.")
final class DatasetSpeedCommand implements Callable<Integer> {

    @Mixin
    private DeviceOption device;

    @Option(names = "--table", required = true, paramLabel = "DIR", description = "A factor table (compress --output).")
    private Path table;

    @Option(names = "--originals", required = true, paramLabel = "PATH", description = "The original images.")
    private Path originals;

    @Option(names = "--batch-size", defaultValue = "256", paramLabel = "N", description = "Images per batch.")
    private int batchSize;

    @Option(names = "--rounds", defaultValue = "2", paramLabel = "N", description = "Rounds; the last is reported.")
    private int rounds;

    @Option(names = "--train-epochs", defaultValue = "0", paramLabel = "N",
            description = "Then train a fresh network on the rebuilt table for one epoch of warm-up and N timed "
                    + "epochs (the student settings of conf/evaluation.conf) and report its images/s; 0 skips it.")
    private int trainEpochs;

    @Option(names = "--architecture", defaultValue = "convnet", paramLabel = "NAME",
            description = "The network --train-epochs trains: convnet, resnet18, vgg16 or mobilenetv2.")
    private String architecture;

    @Override
    public Integer call() {
        if (rounds < 1 || batchSize < 1 || trainEpochs < 0) {
            throw new ValidationException("--rounds " + rounds + " and --batch-size " + batchSize
                    + " must both be at least 1, --train-epochs " + trainEpochs + " at least 0");
        }
        // The device (with MMPS_DEVICE and --device) and, for --train-epochs, the student's settings.
        EvaluationConfig settings = EvaluationConfig.load(null, device.into(new LinkedHashMap<>()));
        Architecture network = Architecture.parse(architecture);
        DeviceOption.use(settings);
        double decode = 0;
        double read = 0;
        double rebuild = 0;
        double copy = 0;
        int images = 0;
        FactorSource factors = null;
        for (int round = 1; round <= rounds; round++) {
            long t0 = System.nanoTime();
            OriginalSource decoded = OriginalReader.read(originals);
            long t1 = System.nanoTime();
            factors = FactorSource.open(table);
            long t2 = System.nanoTime();
            rebuild = pass(factors);
            copy = pass(decoded);
            decode = (t1 - t0) / 1e9;
            read = (t2 - t1) / 1e9;
            images = factors.size();
            System.out.printf("round %d: decode %.2f s, read table %.2f s, rebuild %.2f s, originals from memory "
                    + "%.2f s%n", round, decode, read, rebuild, copy);
        }
        System.out.printf("mmps dataset-speed (%d images, batch %d, last of %d rounds) on %s%n", images, batchSize,
                rounds, Classifier.deviceDescription());
        System.out.printf("| step | s | images/s |%n|---|---:|---:|%n");
        row("decode the original files (ImageIO, all cores)", decode, images);
        row("read the factor table (Parquet, one thread)", read, images);
        row("rebuild every batch from the factors (Dataset, on the device)", rebuild, images);
        row("read + rebuild", read + rebuild, images);
        row("batches of decoded originals from memory (Dataset)", copy, images);
        System.out.printf("rebuild / decode: %.2f of the time; read + rebuild / decode: %.2f%n", rebuild / decode,
                (read + rebuild) / decode);
        if (trainEpochs > 0) {
            train(factors, settings, network);
        }
        return Main.OK;
    }

    /**
     * Trains a fresh network on the rebuilt table, batches rebuilt on the device each step as the evaluation
     * does: one epoch to warm up, then the timed ones.
     */
    private void train(FactorSource factors, EvaluationConfig settings, Architecture network) {
        ClassifierTraining.Settings s = settings.student();
        SourceDataset data = new SourceDataset(factors, new SourceDataset.Options(settings.batchSize(), true,
                settings.augmentation(), 1));
        try (Classifier warmUp = Classifier.create(Classifier.Spec.of(network, factors))) {
            ClassifierTraining.fit(warmUp, data, new ClassifierTraining.Settings(1, s.learningRate(), s.momentum(),
                    s.weightDecay()), 1, "warm-up");
        }
        ClassifierTraining.Result timed;
        try (Classifier student = Classifier.create(Classifier.Spec.of(network, factors))) {
            timed = ClassifierTraining.fit(student, data, new ClassifierTraining.Settings(trainEpochs,
                    s.learningRate(), s.momentum(), s.weightDecay()), 1, "dataset-speed");
        }
        row("train " + network.label() + " on batches rebuilt from the factors (batch " + settings.batchSize() + ", "
                + trainEpochs + " epochs after 1 of warm-up)", timed.seconds(), trainEpochs * factors.size());
    }

    /** One in-order pass over the source's batches, each consumed; seconds. */
    private double pass(ImageSource source) {
        SourceDataset data = new SourceDataset(source, SourceDataset.Options.inOrder(batchSize));
        long start = System.nanoTime();
        double sink = 0;
        try (NDManager manager = NDManager.newBaseManager(Classifier.device())) {
            for (Batch batch : data.getData(manager)) {
                try (batch) {
                    sink += batch.getData().singletonOrThrow().get(0, 0, 0, 0).getFloat();
                }
            }
        }
        if (Double.isNaN(sink)) {
            throw new IllegalStateException("rebuilt pixels are NaN");
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static void row(String what, double seconds, int images) {
        System.out.printf("| %s | %.2f | %,.0f |%n", what, seconds, images / seconds);
    }
}
