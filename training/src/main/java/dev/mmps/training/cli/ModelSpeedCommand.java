package dev.mmps.training.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.mmps.settings.ValidationException;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.training.eval.EvaluationConfig;
import dev.mmps.training.model.Architecture;
import dev.mmps.training.model.Classifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mmps model-speed}: images per second of training steps and of inference for several networks on
 * random batches of one shape, the networks taking turns round after round so that a shared machine's load
 * falls on all of them alike; each network's best round is reported, with its ratio to the first.
 */
@Command(name = "model-speed", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measures training and inference images/s of networks (dense and factorised) on random "
                + "batches, in turns, and prints them against the first.")
final class ModelSpeedCommand implements Callable<Integer> {

    @Option(names = "--architectures", split = ",", required = true, paramLabel = "NAME[:BOND]",
            description = "Networks to compare, the first the baseline, e.g. fc2,fc2-mpo:4,fc2-mpo:8.")
    private List<String> architectures;

    @Option(names = "--shape", defaultValue = "32x32x3", paramLabel = "HxWxC",
            description = "Image shape. Default: ${DEFAULT-VALUE}.")
    private String shape;

    @Option(names = "--batch-size", defaultValue = "128", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    private int batchSize;

    @Option(names = "--batches", defaultValue = "20", paramLabel = "N",
            description = "Batches timed per round and network. Default: ${DEFAULT-VALUE}.")
    private int batches;

    @Option(names = "--rounds", defaultValue = "3", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    private int rounds;

    @Mixin
    private DeviceOption device;

    private record Network(String name, Architecture architecture, int bond) {}

    @Override
    public Integer call() {
        ValidationException.check(batchSize >= 1 && batches >= 1 && rounds >= 1, "--batch-size " + batchSize
                + ", --batches " + batches + " and --rounds " + rounds + " must all be at least 1");
        ImageShape image = ImageShape.parse(shape);
        List<Network> networks = new ArrayList<>();
        for (String a : architectures) {
            String[] parts = a.split(":");
            int bond = Architecture.DEFAULT_BOND;
            if (parts.length == 2) {
                try {
                    bond = Integer.parseInt(parts[1]);
                } catch (NumberFormatException e) {
                    throw new ValidationException("'" + a + "' has no number after the colon; write NAME:BOND, "
                            + "e.g. fc2-mpo:4");
                }
            }
            networks.add(new Network(a, Architecture.parse(parts[0]), bond));
        }
        Map<String, Object> overrides = new LinkedHashMap<>();
        DeviceOption.use(EvaluationConfig.load(null, device.into(overrides)));
        List<String> classes = Collections.nCopies(10, "class");
        double[][] best = new double[networks.size()][2];
        long[] parameters = new long[networks.size()];
        for (int round = 0; round < rounds; round++) {
            for (int n = 0; n < networks.size(); n++) {
                Network net = networks.get(n);
                Classifier.Spec spec = new Classifier.Spec(net.architecture(), image, classes,
                        net.architecture().factorisation(image, classes.size(), net.bond()));
                try (Classifier c = Classifier.create(spec)) {
                    double[] speed = time(c, image);
                    parameters[n] = Classifier.parameters(c.model().getBlock());
                    best[n][0] = Math.max(best[n][0], speed[0]);
                    best[n][1] = Math.max(best[n][1], speed[1]);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%-20s %12s %14s %8s %14s %8s%n", "network", "parameters", "train img/s", "x",
                "infer img/s", "x");
        for (int n = 0; n < networks.size(); n++) {
            System.out.printf(Locale.ROOT, "%-20s %,12d %,14.0f %8.2f %,14.0f %8.2f%n", networks.get(n).name(),
                    parameters[n], best[n][0], best[n][0] / best[0][0], best[n][1], best[n][1] / best[0][1]);
        }
        return Main.OK;
    }

    /** Training and inference images/s over {@link #batches} random batches each, after one of each to warm up. */
    private double[] time(Classifier classifier, ImageShape image) {
        Shape batch = new Shape(batchSize, image.channels(), image.height(), image.width());
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f)).optMomentum(0.9f).build())
                .optDevices(new ai.djl.Device[] {classifier.runsOn()});
        try (Trainer trainer = classifier.model().newTrainer(config)) {
            trainer.initialize(batch);
            NDManager m = trainer.getManager();
            NDArray x = m.randomUniform(0, 1, batch);
            NDArray y = m.randomInteger(0, 10, new Shape(batchSize), DataType.INT32).toType(DataType.FLOAT32, false);
            step(trainer, x, y);
            long start = System.nanoTime();
            for (int b = 0; b < batches; b++) {
                step(trainer, x, y);
            }
            // Reading one value waits for the device to finish the steps.
            trainer.getModel().getBlock().getParameters().valueAt(0).getArray().sum().getFloat();
            double train = (double) batches * batchSize / ((System.nanoTime() - start) / 1e9);
            classifier.logits(x).argMax(1).getLong(0);
            start = System.nanoTime();
            NDArray last = null;
            for (int b = 0; b < batches; b++) {
                last = classifier.logits(x);
            }
            last.getFloat(0, 0);
            double infer = (double) batches * batchSize / ((System.nanoTime() - start) / 1e9);
            return new double[] {train, infer};
        }
    }

    private static void step(Trainer trainer, NDArray x, NDArray y) {
        try (GradientCollector collector = trainer.newGradientCollector()) {
            NDList out = trainer.forward(new NDList(x));
            NDArray loss = trainer.getLoss().evaluate(new NDList(y), out);
            collector.backward(loss);
        }
        trainer.step();
    }
}
