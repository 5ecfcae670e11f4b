package dev.mmps.training;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * The real data the tests run on: the CIFAR-10 sample that ships with the repository, and golden factor
 * tables made from its first four images per class by the real compress job
 * ({@code src/test/resources/tables/make-tables.sh} records the commands).
 */
public final class TestData {

    private TestData() {}

    /** {@code samples/cifar10}: 200 test images in class folders. */
    public static Path cifarSample() {
        return Path.of(System.getProperty("mmps.samples", "../samples")).toAbsolutePath().normalize().resolve("cifar10");
    }

    /** A golden table: mmps-fp32, mmps-int8, mps-fp32, svd-fp32, cp-fp32 or tucker-fp32. */
    public static Path table(String name) {
        try {
            return Path.of(TestData.class.getResource("/tables/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("golden table " + name + " is missing from src/test/resources/tables", e);
        }
    }

    /**
     * What a training run wrote with release 0.1: {@code grid.conf}, and {@code run/} with
     * {@code evaluation.json}, {@code teacher-convnet/} and {@code corrections/mmps-0.3/}
     * ({@code src/test/resources/outputs-v0.1/make-outputs.sh} records how).
     */
    public static Path outputsV01() {
        try {
            return Path.of(TestData.class.getResource("/outputs-v0.1").toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("src/test/resources/outputs-v0.1 is missing", e);
        }
    }

    /** The images the golden tables were made from: the first four of each class of the sample. */
    public static Path goldenInput(Path dir) throws IOException {
        try (Stream<Path> classes = Files.list(cifarSample())) {
            for (Path c : classes.toList()) {
                Path to = Files.createDirectories(dir.resolve(c.getFileName()));
                for (int i = 0; i < 4; i++) {
                    String name = String.format("%04d.jpg", i);
                    Files.copy(c.resolve(name), to.resolve(name));
                }
            }
        }
        return dir;
    }

    /** Copies golden tables as {@code <codec>-0.3}, the layout an evaluation's {@code tables} pattern names. */
    public static Path tablesAtRatio03(Path dir, List<String> codecs) throws IOException {
        for (String codec : codecs) {
            Path from = table(codec + "-fp32");
            try (Stream<Path> files = Files.walk(from)) {
                for (Path f : files.toList()) {
                    Path to = dir.resolve(codec + "-0.3").resolve(from.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(f, to);
                    }
                }
            }
        }
        return dir;
    }

    /** A gzipped IDX images file and its labels file with {@code count} images of {@code size x size}. */
    public static Path writeIdx(Path dir, int count, int size) throws IOException {
        Path images = dir.resolve("tiny-images-idx3-ubyte.gz");
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(images)));
                DataOutputStream labels = new DataOutputStream(new GZIPOutputStream(
                        Files.newOutputStream(dir.resolve("tiny-labels-idx1-ubyte.gz"))))) {
            out.writeInt(0x803);
            out.writeInt(count);
            out.writeInt(size);
            out.writeInt(size);
            labels.writeInt(0x801);
            labels.writeInt(count);
            for (int i = 0; i < count; i++) {
                for (int p = 0; p < size * size; p++) {
                    out.writeByte((i * 31 + p) & 0xff);
                }
                labels.writeByte(i % 2);
            }
        }
        return images;
    }

    /**
     * A ConvNet teacher trained briefly (two epochs of four batches) on the 200 sample originals: enough to
     * give corrections a loss to lower. The caller closes it.
     */
    public static dev.mmps.training.model.Classifier sampleTeacher(dev.mmps.training.data.OriginalSource originals) {
        var teacher = dev.mmps.training.model.Classifier.create(dev.mmps.training.model.Classifier.Spec.of(
                dev.mmps.training.model.Architecture.CONVNET, originals));
        dev.mmps.training.model.ClassifierTraining.fit(teacher, new dev.mmps.training.data.SourceDataset(originals,
                new dev.mmps.training.data.SourceDataset.Options(50, true, dev.mmps.training.data.Augmentation.NONE, 5)),
                new dev.mmps.training.model.ClassifierTraining.Settings(2, 0.05f, 0.9f, 0f), 5, "teacher");
        return teacher;
    }
}
