package dev.mmps.training.cli;

import dev.mmps.settings.ValidationException;
import dev.mmps.training.eval.DistillationGrid;
import dev.mmps.training.eval.EvaluationConfig;
import dev.mmps.training.eval.EvaluationGrid;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

    /** DJL's setting of PyTorch's threads, which the launcher passes to every training command. */
    private static final String THREADS = "ai.djl.pytorch.num_threads";

    @Mixin
    private DeviceOption device;

    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "The grid and its settings (keys of conf/evaluation.conf).")
    private File config;

    @Option(names = "--output", paramLabel = "DIR", description = "Overrides evaluation.output.")
    private String output;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1",
            description = "Students trained at once, each in a process of its own with 1/N of the PyTorch threads: a "
                    + "small network does not keep two threads busy, so on two cores --workers 2 trains more students "
                    + "an hour. Default: 1.")
    private int workers;

    /** Set by the grid's own process on the workers it starts: {@code index/count}, the index from 0. */
    @Option(names = "--worker", hidden = true, paramLabel = "I/N")
    private String worker;

    /** With {@code --worker}: which of the cells left its round trains. */
    @Option(names = "--worker-share", hidden = true, defaultValue = "ALL")
    private EvaluationGrid.Share share;

    @Override
    public Integer call() throws Exception {
        ValidationException.check(workers >= 1, "--workers " + workers + ": give the number of students to train at "
                + "once, at least 1, e.g. --workers 2 on two cores");
        Map<String, Object> overrides = new LinkedHashMap<>();
        if (output != null) {
            overrides.put("output", output);
        }
        EvaluationConfig c = EvaluationConfig.load(config, device.into(overrides));
        EvaluationGrid grid = c.methods().isEmpty() ? null : new EvaluationGrid(c);
        DistillationGrid distillation = c.distillation().ipcs().isEmpty() ? null : new DistillationGrid(c);
        DeviceOption.use(c);
        if (worker != null) {
            ValidationException.check(grid != null && worker.matches("\\d{1,4}/\\d{1,4}"), "--worker " + worker
                    + " is set by 'evaluate --workers' on the processes it starts, as index/count over a grid with "
                    + "methods; run 'evaluate --workers N' instead");
            String[] part = worker.split("/");
            grid.runAsWorker(Integer.parseInt(part[0]), Integer.parseInt(part[1]), share);
            return Main.OK;
        }
        if (grid != null) {
            Path json = grid.run(workers, this::startWorker);
            System.out.println(Files.readString(json.resolveSibling("evaluation.md")));
        }
        if (distillation != null) {
            System.out.println(Files.readString(distillation.run()));
        }
        return Main.OK;
    }

    /**
     * This command again in a new JVM with this one's options and classpath, as worker {@code index} of {@code
     * count} for a share of the cells, with its part of the PyTorch threads; its log goes where this one's does.
     */
    private Process startWorker(int index, int count, EvaluationGrid.Share share) throws IOException {
        int threads = Math.max(1, Integer.getInteger(THREADS, Runtime.getRuntime().availableProcessors()) / count);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!option.startsWith("-D" + THREADS + "=")) {
                command.add(option);
            }
        }
        command.addAll(List.of("-D" + THREADS + "=" + threads, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "evaluate", "--config", config.getPath(), "--worker", index + "/" + count,
                "--worker-share", share.name()));
        if (output != null) {
            command.addAll(List.of("--output", output));
        }
        command.addAll(device.arguments());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
        Process process = builder.start();
        String prefix = "worker " + (index + 1) + "/" + count + " | ";
        Thread relay = new Thread(() -> relay(process.getInputStream(), prefix), "worker-" + (index + 1) + "-log");
        relay.setDaemon(true);
        relay.start();
        return process;
    }

    /** Copies a worker's output, line by line, to this process's log stream. */
    private static void relay(java.io.InputStream output, String prefix) {
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(output,
                java.nio.charset.StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                System.err.println(prefix + line);
            }
        } catch (IOException e) {
            System.err.println(prefix + "(its output could not be read further: " + e.getMessage() + ")");
        }
    }
}
