package dev.mmps.training.eval;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The benchmark grids that BENCHMARKS.md cites load with today's settings, so their commands still run. */
class BenchmarkConfigsTest {

    static List<Path> grids() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("..", "benchmarks"))) {
            List<Path> grids = files.filter(p -> p.getFileName().toString().matches("(evaluation|distillation)-.*\\.conf"))
                    .sorted().toList();
            assertFalse(grids.isEmpty(), "no benchmark grids under benchmarks/");
            return grids;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("grids")
    void loads(Path grid) {
        EvaluationConfig config = EvaluationConfig.load(grid.toFile(), Map.of());
        assertNotNull(config.output(), "evaluation.output");
        assertNotNull(config.train(), "evaluation.train");
        assertNotNull(config.test(), "evaluation.test");
        assertFalse(config.methods().isEmpty() && config.distillation().ipcs().isEmpty(),
                "evaluation.methods or evaluation.distillation.ipcs");
    }
}
