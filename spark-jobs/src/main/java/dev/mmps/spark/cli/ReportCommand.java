package dev.mmps.spark.cli;

import dev.mmps.settings.ValidationException;
import dev.mmps.spark.report.Report;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mmps report}: one self-contained HTML page and a JSON file over factor tables of the same images. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Writes report.html (plots, sample images, errors) and report.json for factor tables of the "
                + "same images, with JPEG at several qualities as the reference.")
public final class ReportCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Output folders of mmps compress, of the same images.")
    List<String> paths;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Folder for report.html and report.json.")
    File out;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "8",
            description = "Images in the sample grid (default 8).")
    int samples;

    @Option(names = "--jpeg-images", paramLabel = "N", defaultValue = "200",
            description = "Images JPEG is measured on (default 200; 0 leaves it out).")
    int jpegImages;

    @Override
    public Integer call() throws IOException {
        if (samples < 0 || samples > 1000) {
            throw new ValidationException("--samples " + samples + " is invalid: use 0 to 1000");
        }
        if (jpegImages < 0) {
            throw new ValidationException("--jpeg-images " + jpegImages + " is invalid: use 0 or more");
        }
        PrintWriter log = spec.commandLine().getOut();
        Report report = Report.build(paths, samples, jpegImages, new Configuration(), log);
        report.write(out);
        log.printf("report written to %s%n", new File(out, "report.html"));
        log.flush();
        return Main.OK;
    }
}
