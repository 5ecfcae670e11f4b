package dev.mmps.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.training.TestData;
import dev.mmps.training.condense.Experts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mmps experts} and {@code mmps condense}: record and condense from flags and a config file, resume,
 * and refuse bad settings with exit 2.
 */
class ExpertsCommandTest {

    @Test
    void recordsTheExpertsAndRefusesBadSettings(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("experts.conf"),
                "evaluation.experts { batch-size = 50, augmentation { padding = 0, flip = false } }");
        Path out = dir.resolve("experts");
        String[] args = {"experts", "--train", TestData.cifarSample().toString(), "--out", out.toString(),
            "--width", "16", "--depth", "1", "--experts", "2", "--epochs", "1", "--config", config.toString()};
        assertEquals(Main.OK, Main.commandLine().execute(args));
        assertTrue(Files.isRegularFile(out.resolve("expert-001/epoch-001.ndlist")));
        assertEquals(16, Experts.open(out).settings().filters());
        assertEquals(Main.OK, Main.commandLine().execute(args), "a second run finds every epoch and resumes");

        String[] wider = args.clone();
        wider[6] = "32";
        assertEquals(Main.USAGE, Main.commandLine().execute(wider), "experts of another width in the same folder");
        String[] none = args.clone();
        none[10] = "0";
        Path empty = dir.resolve("none");
        none[4] = empty.toString();
        assertEquals(Main.USAGE, Main.commandLine().execute(none), "zero experts");
        assertFalse(Files.exists(empty), "a refused run writes nothing");
        String[] resnet = {"experts", "--train", TestData.cifarSample().toString(), "--out", empty.toString(),
            "--architecture", "resnet18"};
        assertEquals(Main.USAGE, Main.commandLine().execute(resnet));
    }

    @Test
    void condensesAgainstTheExpertsAndRefusesWhatTheyCannotServe(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("condense.conf"), "evaluation.experts { batch-size = 50, "
                + "augmentation { padding = 0, flip = false } }\nevaluation.condense { checkpoint-every = 1 }");
        Path experts = dir.resolve("experts");
        String sample = TestData.cifarSample().toString();
        assertEquals(Main.OK, Main.commandLine().execute("experts", "--train", sample, "--out", experts.toString(),
                "--width", "16", "--depth", "1", "--experts", "1", "--epochs", "2", "--config", config.toString()));
        Path out = dir.resolve("synthetic");
        String[] args = {"condense", "--experts", experts.toString(), "--train", sample, "--out", out.toString(),
            "--ipc", "1", "--iterations", "2", "--syn-steps", "2", "--expert-epochs", "1", "--max-start-epoch", "1",
            "--config", config.toString()};
        assertEquals(Main.OK, Main.commandLine().execute(args));
        assertTrue(Files.isRegularFile(out.resolve("manifest.json")));

        String[] far = args.clone();
        far[14] = "3";
        far[6] = dir.resolve("far").toString();
        assertEquals(Main.USAGE, Main.commandLine().execute(far), "epochs beyond the experts'");
        assertFalse(Files.exists(dir.resolve("far")));
        assertEquals(Main.USAGE, Main.commandLine().execute(withOption(args, "--method", "foo")), "an unknown method");
        Path wide = Files.writeString(dir.resolve("wide.conf"), Files.readString(config)
                + "\nevaluation.condense.lss.rank = 32");
        String[] overBudget = withOption(args, "--method", "lss");
        overBudget[6] = dir.resolve("wide").toString();
        overBudget[18] = wide.toString();
        assertEquals(Main.USAGE, Main.commandLine().execute(overBudget), "rank-32 bases of 32x32 images exceed ipc 1");
        assertFalse(Files.exists(dir.resolve("wide")));
        assertEquals(Main.USAGE, Main.commandLine().execute("condense", "--experts", dir.resolve("none").toString(),
                "--train", sample, "--out", dir.resolve("x").toString()), "no experts there");
    }

    /** {@code args} with one more option at the end. */
    private static String[] withOption(String[] args, String name, String value) {
        String[] more = Arrays.copyOf(args, args.length + 2);
        more[args.length] = name;
        more[args.length + 1] = value;
        return more;
    }
}
