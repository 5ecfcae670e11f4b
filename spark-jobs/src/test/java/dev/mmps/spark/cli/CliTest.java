package dev.mmps.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmps.spark.SparkTestSession;
import dev.mmps.spark.TestInputs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

class CliTest {

    private static Path input;

    @BeforeAll
    static void sample() throws Exception {
        input = TestInputs.fresh("cli-input");
        TestInputs.copyCifar(input, 2);
        Files.writeString(TestInputs.fresh("cli-bad-idx").resolve("train-images-idx3-ubyte"), "not an IDX file\n");
    }

    /** Runs the command line and returns {exit code, stdout, stderr}. */
    static Object[] run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Object[] {code, out.toString(), err.toString()};
    }

    static Stream<Arguments> misuse() {
        String in = "target/test-data/cli-input";
        return Stream.of(
                Arguments.of(new String[] {"compress", "--input", "no/such/folder", "--output", "target/x"},
                        "input no/such/folder does not exist"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--ratio", "1.5"},
                        "compression ratio 1.5 is invalid"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--ratio", "abc"},
                        "Invalid value for option '--ratio': 'abc' is not a double"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--layout",
                    "block:2x2,4x4,2x2,2x2,1x1x3", "--order", "row"}, "an explicit layout fixes both"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--mps-cores", "many"},
                        "mps-cores 'many' is invalid: use auto or a whole number"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--local-cores", "0"},
                        "--local-cores 0 is invalid"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--stages", "0"},
                        "stages=0 is invalid"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--order", "zigzag"},
                        "index order 'zigzag' is unknown"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--size", "big"},
                        "size 'big' is malformed"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--ratio", "0.3",
                    "--max-bond", "4"}, "pass only one of --ratio, --max-bond, --epsilon"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--epsilon", "2"},
                        "epsilon=2.0 is invalid"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--route", "gpu"},
                        "route 'gpu' is unknown"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--codec", "jpeg"},
                        "codec 'jpeg' is unknown: use one of mmps, mps, svd, cp, tucker"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--precision", "fp8"},
                        "Invalid value for option '--precision': precision 'fp8' is unknown"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--codec", "cp",
                    "--epsilon", "0.1"}, "codec cp takes --ratio, not epsilon=0.1"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", in}, "already exists"),
                Arguments.of(new String[] {"compress", "--input", in}, "no output given"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--prune"},
                        "--prune is given without --incremental"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--incremental",
                    "--overwrite"}, "both --overwrite and --incremental are given"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--decoder", "turbo"},
                        "Invalid value for option '--decoder': decoder 'turbo' is unknown: use auto, opencv or imageio"),
                Arguments.of(new String[] {"compress", "--input", in, "--output", "target/x", "--bogus"},
                        "Unknown option: '--bogus'"),
                Arguments.of(new String[] {"select", "--input", in, "--output", "target/x", "--method", "farthest"},
                        "selection method 'farthest' is unknown: use kcenter or random"),
                Arguments.of(new String[] {"select", "--input", in, "--output", "target/x", "--ratio", "0"},
                        "selection ratio 0.0 is invalid"),
                Arguments.of(new String[] {"select", "--input", in, "--output", "target/x", "--group-images", "1"},
                        "selection.group-images=1 is invalid"),
                Arguments.of(new String[] {"select", "--input", in, "--output", in}, "already exists"),
                Arguments.of(new String[] {"inspect", "target/test-data/cli-input"}, "has no manifest.json"),
                Arguments.of(new String[] {"compress", "--input", "target/test-data/cli-bad-idx", "--output",
                    "target/x"}, "is not an IDX images file"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("misuse")
    void misuseFailsFastWithExitTwoAndOneLine(String[] args, String expected) {
        long start = System.nanoTime();
        Object[] result = run(args);
        double seconds = (System.nanoTime() - start) / 1e9;
        String err = ((String) result[2]).trim();
        assertEquals(Main.USAGE, result[0], err);
        assertTrue(err.contains(expected), err);
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(seconds < 3, "took " + seconds + " s");
    }

    /** A manifest written by a newer mmps, or damaged, is refused as the user's to fix, in one line. */
    @Test
    void aManifestOfANewerVersionOrMissingAKeyExitsTwo() throws Exception {
        Path golden = Path.of("..", "factor-table", "src", "test", "resources", "golden", "v2", "svd-int8");
        for (String[] edit : new String[][] {{"\"schema_version\" : 2", "\"schema_version\" : 7", "schema version 7"},
                {"\"images\" : 10,", "", "lacks key 'counts.images'"}}) {
            Path copy = TestInputs.fresh("cli-manifest").resolve("table");
            Files.createDirectories(copy);
            Files.writeString(copy.resolve("manifest.json"), Files.readString(golden.resolve("manifest.json"))
                    .replace(edit[0], edit[1]));
            Object[] inspect = run("inspect", copy.toString());
            String err = ((String) inspect[2]).trim();
            assertEquals(Main.USAGE, inspect[0], err);
            assertTrue(err.contains(edit[2]) && err.contains("manifest.json"), err);
            assertEquals(1, err.lines().count(), "one line: " + err);
        }
    }

    /** A command with a bug: an internal check that fails. */
    @CommandLine.Command(name = "defect")
    static final class Defect implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("an internal check failed");
        }
    }

    /** Anything but the user's mistake is a defect: exit code 1 and the stack trace. */
    @Test
    void aDefectExitsOneWithItsStackTrace() {
        CommandLine cli = Main.commandLine();
        cli.addSubcommand("defect", new Defect());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        assertEquals(Main.FAILED, cli.execute("defect"));
        assertTrue(err.toString().contains("IllegalStateException: an internal check failed")
                && err.toString().contains("\tat "), err.toString());
    }

    @Test
    void helpAndVersion() {
        Object[] help = run("compress", "--help");
        assertEquals(0, help[0]);
        String text = (String) help[1];
        assertTrue(text.contains("--ratio=R"), text);
        assertTrue(text.matches("(?s).*--ratio=R.*Default: 0\\.3.*"), "defaults come from reference.conf: " + text);
        assertTrue(text.matches("(?s).*--stages=K.*Default: 2.*"), text);
        Object[] version = run("--version");
        assertEquals(0, version[0]);
        assertTrue(((String) version[1]).startsWith("mmps "), (String) version[1]);
    }

    @Test
    void compressInspectAndReconstruct() throws Exception {
        SparkTestSession.get();
        Path out = TestInputs.fresh("cli-output").resolve("table");
        Object[] compress = run("compress", "--input", input.toString(), "--output", out.toString(), "--ratio", "0.4",
                "--calibration-images", "8");
        assertEquals(0, compress[0], (String) compress[2]);
        assertTrue(((String) compress[1]).contains("20 images, 0 failed"), (String) compress[1]);

        Object[] inspect = run("inspect", out.toString(), "--json");
        assertEquals(0, inspect[0], (String) inspect[2]);
        JsonNode json = new ObjectMapper().readTree((String) inspect[1]);
        for (String key : new String[] {"images", "failed", "mean_ratio", "mean_psnr_db", "stored_bytes", "input_bytes"}) {
            assertTrue(json.has(key), "inspect --json has " + key + ": " + inspect[1]);
        }
        assertEquals(20, json.get("images").asInt());
        assertEquals(0, json.get("failed").asInt());
        assertTrue(json.get("mean_ratio").asDouble() <= 0.4);

        Path pngs = TestInputs.fresh("cli-png");
        Object[] reconstruct = run("reconstruct", out.toString(), "--to", pngs.toString(), "--limit", "3");
        assertEquals(0, reconstruct[0], (String) reconstruct[2]);
        try (var files = Files.list(pngs)) {
            assertEquals(3, files.filter(p -> p.toString().endsWith(".png")).count());
        }
    }
}
