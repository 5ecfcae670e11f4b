package dev.mmps.training.cli;

import dev.mmps.training.eval.EvaluationConfig;
import dev.mmps.training.eval.DistillationGrid;
import dev.mmps.training.eval.EvaluationGrid;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mmps evaluate --config FILE}: the grid of students, Table 1 and the ablation. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Trains a student per method, ratio, architecture and seed of the config's grid and writes "
                + "evaluation.json and evaluation.md (Table 1 and the ablation); with evaluation.distillation.ipcs, "
                + "also the distillation grid (distillation.json and distillation.md). A stopped run resumes.")
final class EvaluateCommand implements Callable<Integer> {

    @Mixin
    private DeviceOption device;

    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "The grid and its settings (keys of conf/evaluation.conf).")
    private File config;

    @Option(names = "--output", paramLabel = "DIR", description = "Overrides evaluation.output.")
    private String output;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> overrides = new LinkedHashMap<>();
        if (output != null) {
            overrides.put("output", output);
        }
        EvaluationConfig c = EvaluationConfig.load(config, device.into(overrides));
        EvaluationGrid grid = c.methods().isEmpty() ? null : new EvaluationGrid(c);
        DistillationGrid distillation = c.distillation().ipcs().isEmpty() ? null : new DistillationGrid(c);
        DeviceOption.use(c);
        if (grid != null) {
            Path json = grid.run();
            System.out.println(Files.readString(json.resolveSibling("evaluation.md")));
        }
        if (distillation != null) {
            System.out.println(Files.readString(distillation.run()));
        }
        return Main.OK;
    }
}
