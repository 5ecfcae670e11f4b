package dev.mmps.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.djl.engine.Engine;
import dev.mmps.training.TestData;
import dev.mmps.training.device.DeviceSetting;
import dev.mmps.training.device.TrainingDevice;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --device} on the training commands: a GPU asked for on a machine without one is refused with exit
 * code 2 before anything is read, a bad name too, {@code auto} takes what DJL reports, and a short training
 * run on {@code --device cpu} passes and says where it ran.
 */
class DeviceOptionTest {

    private record Outcome(int code, String out, String err) {}

    private static Outcome run(String... args) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.commandLine().execute(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8).strip());
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    @AfterEach
    void backToAuto() {
        TrainingDevice.choose(DeviceSetting.AUTO);
    }

    @Test
    void gpuOnAMachineWithoutOneExitsTwoNamingWhatToCheck(@TempDir Path dir) {
        assumeFalse(TrainingDevice.gpuAvailable(Engine.getInstance()), "this machine has a GPU");
        for (String[] command : new String[][] {
            {"train-teacher", "--train", TestData.cifarSample().toString(), "--test", TestData.cifarSample().toString(),
                "--out", dir.resolve("teacher").toString()},
            {"dataset-speed", "--table", TestData.table("mmps-fp32").toString(), "--originals",
                TestData.cifarSample().toString()},
            {"distill", "--teacher", dir.resolve("teacher").toString(), "--originals", TestData.cifarSample().toString(),
                "--table", TestData.table("mmps-fp32").toString(), "--out", dir.resolve("c").toString()}}) {
            String[] args = new String[command.length + 2];
            System.arraycopy(command, 0, args, 0, command.length);
            args[command.length] = "--device";
            args[command.length + 1] = "gpu";
            Outcome o = run(args);
            assertEquals(Main.USAGE, o.code(), o.err());
            String last = o.err().lines().reduce((a, b) -> b).orElse("");
            assertTrue(last.startsWith(command[0] + ": device gpu"), last);
            for (String word : new String[] {"driver", "flavour", "PYTORCH_LIBRARY_PATH"}) {
                assertTrue(last.contains(word), "'" + word + "' missing from: " + last);
            }
        }
        assertTrue(Files.notExists(dir.resolve("teacher")), "nothing is trained before the device is checked");
    }

    @Test
    void badDeviceNamesExitTwo(@TempDir Path dir) throws Exception {
        Outcome flag = run("dataset-speed", "--device", "cuda", "--table", TestData.table("mmps-fp32").toString(),
                "--originals", TestData.cifarSample().toString());
        assertEquals(Main.USAGE, flag.code(), flag.err());
        assertTrue(flag.err().contains("'cuda' is not a device: use auto, cpu, gpu"), flag.err());
        Path config = dir.resolve("c.conf");
        Files.writeString(config, "evaluation.device = tpu");
        Outcome file = run("train-teacher", "--config", config.toString(), "--train", TestData.cifarSample().toString(),
                "--test", TestData.cifarSample().toString(), "--out", dir.resolve("t").toString());
        assertEquals(Main.USAGE, file.code(), file.err());
        assertTrue(file.err().contains("evaluation.device: 'tpu' is not a device"), file.err());
    }

    @Test
    void autoRunsWhereDjlReportsAndSaysSo() {
        Outcome o = run("dataset-speed", "--device", "auto", "--rounds", "1", "--train-epochs", "1", "--table",
                TestData.table("mmps-fp32").toString(), "--originals", TestData.cifarSample().toString());
        assertEquals(Main.OK, o.code(), o.err());
        String where = TrainingDevice.gpuAvailable(Engine.getInstance()) ? "gpu 0" : "cpu (";
        assertTrue(o.out().lines().anyMatch(l -> l.contains("device: " + where)), o.out());
        assertTrue(o.out().contains("last of 1 rounds) on " + where), o.out());
        // The table's 40 images trained for one timed epoch: a row with their images/s.
        assertTrue(o.out().lines().anyMatch(l -> l.startsWith("| train convnet on batches rebuilt from the factors")
                && l.matches(".*\\| [0-9.]+ \\| [0-9,]+ \\|$")), o.out());
    }

    @Test
    void aShortTrainingRunOnTheCpu(@TempDir Path dir) throws Exception {
        Path idx = TestData.writeIdx(Files.createDirectories(dir.resolve("idx")), 4, 28);
        Outcome o = run("train-teacher", "--device", "cpu", "--train", idx.toString(), "--test", idx.toString(),
                "--out", dir.resolve("teacher").toString(), "--epochs", "1");
        assertEquals(Main.OK, o.code(), o.err());
        assertTrue(o.out().lines().anyMatch(l -> l.contains("device: cpu (DJL PyTorch")), o.out());
        assertTrue(Files.isRegularFile(dir.resolve("teacher").resolve("classifier.json")));
    }
}
