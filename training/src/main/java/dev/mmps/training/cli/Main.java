package dev.mmps.training.cli;

import dev.mmps.settings.ValidationException;
import dev.mmps.training.model.Classifier;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mmps}'s training commands. */
@Command(name = "mmps", mixinStandardHelpOptions = true, version = "mmps training stage",
        description = "Trains and evaluates models on compressed image datasets (DJL, PyTorch engine).",
        subcommands = {EvaluateCommand.class, TrainTeacherCommand.class, DistillCommand.class, ExpertsCommand.class,
            CondenseCommand.class, DatasetSpeedCommand.class, CompressModelCommand.class, ModelSpeedCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code; used by main and by tests. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /**
     * The commands with their exit codes: a user's mistake ({@link ValidationException}, or a flag picocli
     * cannot parse) is one line and {@link #USAGE}; anything else is a defect or an environment failure
     * (a full disk, say), printed with its stack trace, {@link #FAILED}.
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((ex, given) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println(ex.getCommandLine().getCommandName() + ": " + ex.getMessage() + "; see '"
                    + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
            return USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (ex instanceof ValidationException) {
                err.println(commandLine.getCommandName() + ": " + ex.getMessage());
                return USAGE;
            }
            // The header names the exception; the trace follows without repeating it.
            StringWriter trace = new StringWriter();
            ex.printStackTrace(new PrintWriter(trace));
            String frames = trace.toString();
            err.println(commandLine.getCommandName() + " failed: " + ex);
            err.print(frames.substring(Math.min(frames.length(), frames.indexOf('\n') + 1)));
            err.flush();
            return FAILED;
        });
        return cli;
    }

    /** Logs the device the command trains on, once its settings are known to be good. */
    static void logDevice() {
        LOG.info("device: {}", Classifier.deviceDescription());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "choose a command: evaluate, train-teacher, distill, compress-model or dataset-speed");
    }
}
