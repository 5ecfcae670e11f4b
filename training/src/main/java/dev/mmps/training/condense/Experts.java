package dev.mmps.training.condense;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.dataset.Batch;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.mmps.settings.ValidationException;
import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.training.data.Augmentation;
import dev.mmps.training.data.ImageSource;
import dev.mmps.training.data.SourceDataset;
import dev.mmps.training.files.JsonFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expert trajectories: ConvNets trained on the real training images with plain SGD (trajectory matching's
 * recipe: no momentum, no weight decay), each one's parameters kept as they were before training and after
 * every epoch. A folder holds {@code experts.json} (the settings and the data they were trained on) and
 * {@code expert-<i>/epoch-<e>.ndlist} (DJL's encoding of the parameter list, {@code e = 0} the
 * initialisation). Every epoch's file is written under a temporary name and renamed into place, so a stopped
 * run resumes from each expert's last whole epoch; a folder made with other settings or data is refused.
 */
public final class Experts {

    private static final Logger LOG = LoggerFactory.getLogger(Experts.class);

    /** The manifest's name, format and version, checked when read. */
    public static final String MANIFEST = "experts.json";

    /**
     * Filter counts are multiples of this: oneDNN pads other counts to its 16-channel blocks on AVX-512 CPUs,
     * and its backward pass to the input then returned NaN or varying values on an AMD EPYC (BENCHMARKS.md,
     * "Gradients with respect to images"), which trajectory matching cannot afford.
     */
    public static final int FILTER_BLOCK = 16;

    static final String FORMAT = "mmps-experts";
    static final int VERSION = 1;

    /**
     * How the experts are trained.
     *
     * @param filters the ConvNet's width
     * @param depth the ConvNet's blocks
     * @param experts how many experts
     * @param epochs the passes over the training images each expert makes
     * @param learningRate plain SGD's step
     * @param batchSize images a step
     * @param augmentation what is done to the training images
     * @param seed seeds every expert's initialisation, shuffles and augmentation
     */
    public record Settings(int filters, int depth, int experts, int epochs, double learningRate, int batchSize,
            Augmentation augmentation, long seed) {

        public Settings {
            ValidationException.check(filters >= FILTER_BLOCK && filters % FILTER_BLOCK == 0, "filters " + filters
                    + " is invalid: use a multiple of " + FILTER_BLOCK + ", such as 128 (on AVX-512 CPUs oneDNN's "
                    + "convolution returns wrong gradients with respect to images for other counts)");
            ValidationException.check(depth >= 1, "depth " + depth + " is invalid: use 1 or more, such as 3");
            ValidationException.check(experts >= 1, "count " + experts + " is invalid: record 1 expert or more");
            ValidationException.check(epochs >= 1, "epochs " + epochs + " is invalid: use 1 or more, such as 50");
            ValidationException.check(learningRate > 0 && Double.isFinite(learningRate), "learning rate "
                    + learningRate + " is invalid: use a positive number, such as 0.01");
            ValidationException.check(batchSize >= 1, "batch size " + batchSize + " is invalid: use 1 or more, "
                    + "such as 256");
        }
    }

    /** The manifest: what was trained on what. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Manifest(String format, int version, String train, int height, int width, int channels,
            List<String> classes, int images, Settings settings) {}

    private final Path folder;
    private final Manifest manifest;

    private Experts(Path folder, Manifest manifest) {
        this.folder = folder;
        this.manifest = manifest;
    }

    /**
     * Opens recorded experts.
     *
     * @throws ValidationException if the folder holds no experts, or experts of a newer format version
     */
    public static Experts open(Path folder) {
        Path file = folder.resolve(MANIFEST);
        ValidationException.check(Files.isRegularFile(file), folder + " holds no experts (no " + MANIFEST
                + "): record them first with 'mmps experts --train DATA --out " + folder + "'");
        Manifest manifest;
        try {
            manifest = JsonFiles.read(file, Manifest.class);
        } catch (JsonProcessingException e) {
            throw new ValidationException(file + " is damaged (" + e.getOriginalMessage() + "): record the "
                    + "experts again into an empty folder", e);
        }
        ValidationException.check(FORMAT.equals(manifest.format()), file + " is not an experts manifest (format "
                + manifest.format() + ", expected " + FORMAT + ")");
        ValidationException.check(manifest.version() <= VERSION, file + " is of version " + manifest.version()
                + ", newer than this release reads (" + VERSION + "): use a newer mmps");
        return new Experts(folder, manifest);
    }

    /**
     * Trains the experts not yet in {@code folder} (and the missing epochs of those begun), on {@code device}.
     *
     * @param trainName how the training images are named in the manifest (their path)
     * @throws ValidationException if the folder holds experts trained with other settings or on other data
     */
    public static Experts record(Path folder, ImageSource train, String trainName, Settings settings,
            Device device) {
        ImageShape shape = train.shape();
        Manifest wanted = new Manifest(FORMAT, VERSION, trainName, shape.height(), shape.width(), shape.channels(),
                train.classes(), train.size(), settings);
        if (Files.isRegularFile(folder.resolve(MANIFEST))) {
            Manifest found = open(folder).manifest;
            ValidationException.check(JsonFiles.tree(found).equals(JsonFiles.tree(wanted)), folder
                    + " holds experts made with other settings or data (" + JsonFiles.tree(found) + "); record "
                    + "these into another folder, or pass the settings they were made with");
        } else {
            ArrayFiles.createDirectories(folder);
            JsonFiles.write(folder.resolve(MANIFEST), wanted);
        }
        Experts experts = new Experts(folder, wanted);
        ConvNetFunction network = experts.network();
        for (int e = 0; e < settings.experts(); e++) {
            experts.train(e, train, network, device);
        }
        return experts;
    }

    /** The ConvNet every expert is. */
    public ConvNetFunction network() {
        return new ConvNetFunction(manifest.channels(), manifest.height(), manifest.width(), manifest.classes()
                .size(), manifest.settings().filters(), manifest.settings().depth());
    }

    public Settings settings() {
        return manifest.settings();
    }

    /** Class names, in label order, of the images the experts learned. */
    public List<String> classes() {
        return manifest.classes();
    }

    /**
     * An expert's parameters after {@code epoch} epochs (0: as initialised), in {@code manager}.
     *
     * @throws ValidationException if that epoch was not recorded
     */
    public NDList parameters(NDManager manager, int expert, int epoch) {
        Path file = epochFile(expert, epoch);
        ValidationException.check(Files.isRegularFile(file), "expert " + expert + " has no epoch " + epoch + " in "
                + folder + ": finish recording the experts (run 'mmps experts' again, it resumes)");
        return ArrayFiles.read(manager, file);
    }

    private void train(int expert, ImageSource train, ConvNetFunction network, Device device) {
        Settings s = manifest.settings();
        int done = 0;
        while (done < s.epochs() && Files.isRegularFile(epochFile(expert, done + 1))) {
            done++;
        }
        if (done == s.epochs()) {
            return;
        }
        ArrayFiles.createDirectories(epochFile(expert, 0).getParent());
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDList theta;
            if (done == 0 && !Files.isRegularFile(epochFile(expert, 0))) {
                theta = network.initialise(manager, s.seed() * 1_000_003L + expert, DataType.FLOAT32);
                ArrayFiles.write(epochFile(expert, 0), theta);
            } else {
                theta = parameters(manager, expert, done);
            }
            for (int epoch = done + 1; epoch <= s.epochs(); epoch++) {
                long start = System.nanoTime();
                SourceDataset data = new SourceDataset(train, new SourceDataset.Options(s.batchSize(), true,
                        s.augmentation(), (s.seed() * 1_000_003L + expert) * 10_007L + epoch));
                double lossSum = 0;
                int batches = 0;
                for (Batch batch : data.getData(manager)) {
                    try (batch) {
                        NDArray targets = batch.getLabels().singletonOrThrow().toType(DataType.INT64, false)
                                .oneHot(network.classes());
                        NDList next = new NDList(theta.size());
                        try (NDManager step = manager.newSubManager()) {
                            ConvNetFunction.Loss loss = network.gradient(theta, batch.getData().singletonOrThrow(),
                                    targets, step);
                            lossSum += loss.value();
                            for (int i = 0; i < theta.size(); i++) {
                                next.add(theta.get(i).sub(loss.gradient().get(i).mul(s.learningRate())));
                            }
                        }
                        theta.close();
                        theta = next;
                        batches++;
                    }
                }
                ArrayFiles.write(epochFile(expert, epoch), theta);
                LOG.info("expert {}/{}: epoch {}/{}, loss {}, {} s", expert + 1, s.experts(), epoch, s.epochs(),
                        String.format(Locale.ROOT, "%.4f", lossSum / Math.max(1, batches)),
                        String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
            }
        }
    }

    private Path epochFile(int expert, int epoch) {
        return folder.resolve(String.format(Locale.ROOT, "expert-%03d/epoch-%03d.ndlist", expert, epoch));
    }
}
