package dev.mmps.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code model-speed} times each network it is given and says how each compares with the first. */
class ModelSpeedCommandTest {

    @Test
    void printsARowPerNetworkWithItsParametersAndSpeeds() {
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
            code = Main.run("model-speed", "--architectures", "fc2,fc2-mpo:2", "--shape", "28x28x1", "--batch-size",
                    "4", "--batches", "2", "--rounds", "1", "--device", "cpu");
        } finally {
            System.setOut(saved);
        }
        assertEquals(Main.OK, code);
        List<String> lines = buffer.toString(StandardCharsets.UTF_8).lines().toList();
        String fc2 = lines.stream().filter(l -> l.startsWith("fc2 ")).findFirst().orElseThrow();
        String mpo = lines.stream().filter(l -> l.startsWith("fc2-mpo:2 ")).findFirst().orElseThrow();
        assertTrue(fc2.contains("203,530") && fc2.contains("1.00"), fc2);
        assertTrue(mpo.contains("682"), mpo);
        // The factorised network's speeds are positive numbers.
        String[] cells = mpo.trim().split("\\s+");
        assertTrue(Double.parseDouble(cells[2].replace(",", "")) > 0 && Double.parseDouble(cells[4].replace(",", "")) > 0,
                mpo);
    }

    @Test
    void aBondThatIsNotANumberIsRefused() {
        assertEquals(Main.USAGE, Main.run("model-speed", "--architectures", "fc2-mpo:x"));
        assertEquals(Main.USAGE, Main.run("model-speed", "--architectures", "fc2", "--rounds", "0"));
    }
}
