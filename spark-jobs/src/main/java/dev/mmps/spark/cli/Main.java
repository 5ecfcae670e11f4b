package dev.mmps.spark.cli;

import dev.mmps.settings.ValidationException;
import dev.mmps.spark.ingest.Printable;
import dev.mmps.spark.sink.Manifest;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code mmps}: compress image datasets into Multiple Matrix Product States, look at the result,
 * rebuild images. Exit codes: 0 success; 2 the user's mistake (a bad flag, setting, path or input file:
 * a {@link ValidationException}, printed in one line that says which value and how to fix it); 1
 * anything else, a failed job or a defect, printed with its stack trace.
 */
@Command(name = "mmps", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Compresses image datasets into Multiple Matrix Product States on Apache Spark.",
        subcommands = {CompressCommand.class, SelectCommand.class, InspectCommand.class, ReconstructCommand.class,
            ReportCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {

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
        CommandLine cli = commandLine();
        return cli.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        SettingOptions.registerConverters(cli);
        cli.setDefaultValueProvider(SettingOptions.DEFAULTS);
        cli.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println(ex.getCommandLine().getCommandName() + ": " + ex.getMessage() + "; see '"
                    + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
            return USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof ValidationException) {
                commandLine.getErr().println(commandLine.getCommandName() + ": " + Printable.of(ex.getMessage()));
                return USAGE;
            }
            commandLine.getErr().println(commandLine.getCommandName() + " failed: " + Printable.of(String.valueOf(ex)));
            ex.printStackTrace(commandLine.getErr());
            return FAILED;
        });
        return cli;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a command: compress, select, inspect, reconstruct or report");
    }

    /** The version from the build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"mmps " + Manifest.version() + " (Java " + System.getProperty("java.version")
                    + ", Spark " + sparkVersion() + ")"};
        }

        private static String sparkVersion() {
            try {
                return (String) Class.forName("org.apache.spark.package$").getField("MODULE$").getType()
                        .getMethod("SPARK_VERSION").invoke(Class.forName("org.apache.spark.package$")
                                .getField("MODULE$").get(null));
            } catch (ReflectiveOperationException | LinkageError e) {
                return "not on the classpath";
            }
        }
    }
}
