package dev.mmps.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.training.TestData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Bad input to the training commands ends with exit code 2 and one line that names the value, the rule
 * and the fix, before anything trains; a defect inside a command ends with exit code 1 and its stack trace.
 */
class BadInputTest {

    private record Outcome(int code, String err) {}

    private static Outcome run(String... args) {
        return run(Main::commandLine, args);
    }

    /** Runs the commands {@code cli} makes, which print to standard error as it is when they are made. */
    private static Outcome run(Supplier<CommandLine> cli, String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
            return new Outcome(cli.get().execute(args), buffer.toString(StandardCharsets.UTF_8).strip());
        } finally {
            System.setErr(saved);
        }
    }

    private static void assertUsage(Outcome o, String... words) {
        assertEquals(Main.USAGE, o.code(), o.err());
        assertEquals(1, o.err().lines().count(), o.err());
        for (String w : words) {
            assertTrue(o.err().contains(w), "'" + w + "' missing from: " + o.err());
        }
    }

    @Test
    void factorTableOfAnotherShapeThanTheModel(@TempDir Path dir) throws Exception {
        Path idx = TestData.writeIdx(Files.createDirectories(dir.resolve("idx")), 4, 28);
        Path tables = TestData.tablesAtRatio03(dir.resolve("tables"), List.of("mmps"));
        Path config = dir.resolve("grid.conf");
        Files.writeString(config, "evaluation { output = \"" + dir.resolve("out") + "\", train = \"" + idx
                + "\", test = \"" + idx + "\", tables = \"" + tables + "/{codec}-{ratio}\", methods = [mmps],"
                + " ratios = [0.3] }");
        assertUsage(run("evaluate", "--config", config.toString()), "32x32x3", "28x28x1", "--size 28x28");
    }

    @Test
    void distillingATableOfAnotherShapeThanTheTeacher(@TempDir Path dir) throws Exception {
        Path idx = TestData.writeIdx(Files.createDirectories(dir.resolve("idx")), 4, 28);
        assertEquals(Main.OK, run("train-teacher", "--train", idx.toString(), "--test", idx.toString(), "--out",
                dir.resolve("teacher").toString(), "--epochs", "1").code());
        assertUsage(run("distill", "--teacher", dir.resolve("teacher").toString(), "--originals",
                TestData.cifarSample().toString(), "--table", TestData.table("mmps-fp32").toString(), "--out",
                dir.resolve("corrections").toString()), "32x32x3", "28x28x1", "--size");
    }

    @Test
    void testSetWithOtherClasses(@TempDir Path dir) throws Exception {
        Path test = Files.createDirectories(dir.resolve("test"));
        for (String c : List.of("cat", "dog")) {
            Path to = Files.createDirectories(test.resolve(c));
            Files.copy(TestData.cifarSample().resolve(c).resolve("0000.jpg"), to.resolve("0000.jpg"));
        }
        Path withoutParameters = Files.createDirectories(dir.resolve("no-parameters"));
        Files.copy(TestData.outputsV01().resolve("run/teacher-convnet/classifier.json"),
                withoutParameters.resolve("classifier.json"));
        assertUsage(run("distill", "--teacher", withoutParameters.toString(), "--originals",
                TestData.cifarSample().toString(), "--table", TestData.table("mmps-fp32").toString(), "--out",
                dir.resolve("c").toString()), withoutParameters.toString(), "classifier-NNNN.params");
        assertUsage(run("train-teacher", "--train", TestData.cifarSample().toString(), "--test", test.toString(),
                "--out", dir.resolve("teacher").toString(), "--epochs", "1"), "[cat, dog]", "airplane",
                "same dataset");
    }

    @Test
    void emptySource(@TempDir Path dir) throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty/cat"));
        assertUsage(run("train-teacher", "--train", empty.getParent().toString(), "--test",
                TestData.cifarSample().toString(), "--out", dir.resolve("teacher").toString()), "holds no images",
                "class folders");
    }

    @Test
    void missingTeacherForTheCorrectionStep(@TempDir Path dir) {
        Path missing = dir.resolve("no-teacher");
        assertUsage(run("distill", "--teacher", missing.toString(), "--originals", TestData.cifarSample().toString(),
                "--table", TestData.table("mmps-fp32").toString(), "--out", dir.resolve("c").toString()),
                missing.toString(), "train-teacher --out");
    }

    @Test
    void unknownArchitectureAndOptions(@TempDir Path dir) {
        assertUsage(run("train-teacher", "--train", "x", "--test", "y", "--out", dir.toString(), "--architecture",
                "alexnet"), "alexnet", "convnet, resnet18, vgg16, mobilenetv2");
        assertUsage(run("evaluate", "--config", dir.resolve("nope.conf").toString()), "nope.conf", "does not exist");
        assertUsage(run("distill", "--teacher"), "--teacher");
    }

    @Test
    void damagedOrKeptOutputsAndBadSettings(@TempDir Path dir) throws Exception {
        Path teacher = Files.createDirectories(dir.resolve("teacher"));
        Files.writeString(teacher.resolve("classifier.json"), "{\"architecture\": \"convnet\", \"shape\": ");
        assertUsage(run("distill", "--teacher", teacher.toString(), "--originals", TestData.cifarSample().toString(),
                "--table", TestData.table("mmps-fp32").toString(), "--out", dir.resolve("c").toString()),
                teacher.toString(), "damaged", "train it again");
        assertUsage(run("train-teacher", "--train", TestData.cifarSample().toString(), "--test",
                TestData.cifarSample().toString(), "--out", teacher.toString()), "already holds a teacher",
                "--overwrite");
        assertUsage(run("dataset-speed", "--table", dir.resolve("no-table").toString(), "--originals",
                TestData.cifarSample().toString()), "no-table", "has no manifest.json");
        Path config = Files.writeString(dir.resolve("bad.conf"), "evaluation { teacher.epochs = 0 }");
        assertUsage(run("train-teacher", "--train", "x", "--test", "y", "--out", dir.resolve("t").toString(),
                "--config", config.toString()), "evaluation.teacher", "epochs=0", "at least 1 epoch");
        assertUsage(run("dataset-speed", "--table", TestData.table("mmps-fp32").toString(), "--originals",
                TestData.cifarSample().toString(), "--rounds", "0"), "--rounds 0", "at least 1");
        assertUsage(run("distill", "--teacher", teacher.toString(), "--originals", TestData.cifarSample().toString(),
                "--table", TestData.table("mmps-fp32").toString(), "--out", dir.resolve("c").toString(), "--form",
                "wiggle"), "--form wiggle", "terms", "layer");
        assertUsage(run("distill", "--teacher", teacher.toString(), "--originals", TestData.cifarSample().toString(),
                "--table", TestData.table("mmps-fp32").toString(), "--out", dir.resolve("c").toString(), "--rank",
                "2"), "--rank", "--form terms");
        Path loss = Files.writeString(dir.resolve("loss.conf"), "evaluation { correction.layer.loss = huber }");
        assertUsage(run("distill", "--teacher", teacher.toString(), "--originals", TestData.cifarSample().toString(),
                "--table", TestData.table("mmps-fp32").toString(), "--out", dir.resolve("c").toString(), "--form",
                "layer", "--config", loss.toString()), "evaluation.correction.layer", "huber", "mse", "kl");
        Path split = Files.writeString(dir.resolve("split.conf"), "evaluation { validation.fraction = 1.5 }");
        assertUsage(run("train-teacher", "--train", "x", "--test", "y", "--out", dir.resolve("t").toString(),
                "--config", split.toString()), "evaluation.validation", "fraction=1.5", "e.g. 0.1");
        assertFalse(Files.exists(dir.resolve("t")) || Files.exists(dir.resolve("c")), "nothing was written");
    }

    /** Commands that fail the way a bug in mmps does: a check of its own, a null, a caller's bad argument. */
    @CommandLine.Command(name = "defect")
    static final class Defect implements Callable<Integer> {

        @CommandLine.Parameters(index = "0")
        private String kind;

        @Override
        public Integer call() {
            String missing = kind.equals("null") ? null : kind;
            return switch (kind) {
                case "state" -> throw new IllegalStateException("the rebuilt pixels are NaN");
                case "argument" -> throw new IllegalArgumentException("image index 7 is outside [0, 4)");
                default -> missing.length();
            };
        }
    }

    @Test
    void aDefectInsideACommandExitsWithCodeOneAndItsStackTrace() {
        for (String kind : List.of("state", "argument", "null")) {
            Outcome o = run(() -> Main.commandLine().addSubcommand(new Defect()), "defect", kind);
            assertEquals(Main.FAILED, o.code(), o.err());
            assertTrue(o.err().startsWith("defect failed: java.lang."), o.err());
            String header = o.err().lines().findFirst().orElseThrow();
            assertEquals(1, o.err().lines().filter(l -> l.endsWith(header.substring("defect failed: ".length())))
                    .count(), "the exception is named once: " + o.err());
            assertTrue(o.err().lines().anyMatch(l -> l.strip().startsWith("at dev.mmps.training.cli.BadInputTest$Defect"
                    + ".call(")), "no stack trace: " + o.err());
        }
    }

    /** compress-model refuses bad requests and models with exit code 2 before anything trains. */
    @Test
    void compressModelRefusesBadRequestsBeforeTraining(@TempDir Path dir) throws Exception {
        Path convnet = savedModel(dir.resolve("convnet"), dev.mmps.training.model.Architecture.CONVNET);
        Path fc2 = savedModel(dir.resolve("fc2"), dev.mmps.training.model.Architecture.FC2);
        String data = TestData.cifarSample().toString();
        String out = dir.resolve("out").toString();
        assertUsage(run("compress-model", "--model", convnet.toString(), "--method", "tucker2", "--energy", "1.5",
                "--train", data, "--test", data, "--out", out), "1.5", "(0, 1]");
        assertUsage(run("compress-model", "--model", convnet.toString(), "--method", "tucker2", "--energy", "0",
                "--train", data, "--test", data, "--out", out), "--energy 0", "(0, 1]");
        assertUsage(run("compress-model", "--model", convnet.toString(), "--method", "mpo", "--bond", "0",
                "--train", data, "--test", data, "--out", out), "--bond 0", "at least 1");
        assertUsage(run("compress-model", "--model", convnet.toString(), "--method", "mpo",
                "--train", data, "--test", data, "--out", out), "--bond D");
        assertUsage(run("compress-model", "--model", convnet.toString(), "--method", "tucker3", "--energy", "0.9",
                "--train", data, "--test", data, "--out", out), "tucker3", "tucker2, svd-fc or mpo");
        // The ConvNet's head takes 1024 features: 4x7x7x4 multiply to 784.
        assertUsage(run("compress-model", "--model", convnet.toString(), "--method", "mpo", "--bond", "4",
                "--modes", "1x2x5x1:4x7x7x4", "--train", data, "--test", data, "--out", out), "784", "1024");
        // fc2 has no convolutions for Tucker-2.
        assertUsage(run("compress-model", "--model", fc2.toString(), "--method", "tucker2", "--energy", "0.9",
                "--train", data, "--test", data, "--out", out), "no top-level 2-D convolution", "--method svd-fc");
        // A classifier.json of an architecture this build does not know.
        Path other = savedModel(dir.resolve("other"), dev.mmps.training.model.Architecture.CONVNET);
        Path description = other.resolve("classifier.json");
        Files.writeString(description, Files.readString(description).replace("\"convnet\"", "\"alexnet\""));
        assertUsage(run("compress-model", "--model", other.toString(), "--method", "tucker2", "--energy", "0.9",
                "--train", data, "--test", data, "--out", out), "alexnet", "damaged");
        assertFalse(Files.exists(dir.resolve("out")), "nothing is written for a refused request");
    }

    /** An untrained classifier of this architecture for the bundled sample, saved in {@code dir}. */
    private static Path savedModel(Path dir, dev.mmps.training.model.Architecture architecture) {
        var sample = dev.mmps.training.data.OriginalReader.read(TestData.cifarSample());
        try (var c = dev.mmps.training.model.Classifier.create(
                dev.mmps.training.model.Classifier.Spec.of(architecture, sample))) {
            c.model().getBlock().initialize(c.model().getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32,
                    new ai.djl.ndarray.types.Shape(1, 3, 32, 32));
            c.save(dir, dev.mmps.training.model.Classifier.Notes.NONE);
        }
        return dir;
    }
}
