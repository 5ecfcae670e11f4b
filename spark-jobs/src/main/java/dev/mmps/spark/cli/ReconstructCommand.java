package dev.mmps.spark.cli;

import dev.mmps.images.DecodedImage;
import dev.mmps.images.Preprocess;
import dev.mmps.settings.ValidationException;
import dev.mmps.spark.ingest.SourceImages;
import dev.mmps.table.FactorTableReader;
import dev.mmps.table.ManifestFiles;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mmps reconstruct}: PNG files of rebuilt images, with the original beside each one where
 * its source can still be read, for people to look at.
 */
@Command(name = "reconstruct", mixinStandardHelpOptions = true,
        description = "Writes PNGs of rebuilt images (original | reconstruction where the source is reachable).")
public final class ReconstructCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH", description = "An output folder of mmps compress.")
    String path;

    @Option(names = "--to", paramLabel = "DIR", required = true, description = "Folder for the PNG files.")
    File to;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "16", description = "Images to rebuild (default 16).")
    int limit;

    @Override
    public Integer call() throws IOException {
        if (limit < 1) {
            throw new ValidationException("--limit " + limit + " is invalid: use 1 or more");
        }
        Configuration conf = new Configuration();
        Preprocess preprocess = SourceImages.preprocess(ManifestFiles.readTable(path, conf));
        if (!to.isDirectory() && !to.mkdirs()) {
            throw new ValidationException("cannot create folder " + to + "; pass a writable folder to --to");
        }
        PrintWriter out = spec.commandLine().getOut();
        int written = 0;
        try (FactorTableReader reader = FactorTableReader.open(path, conf)) {
            while (reader.hasNext() && written < limit) {
                FactorTableReader.Entry e = reader.next();
                BufferedImage rebuilt = Preprocess.toImage(e.shape(), reader.reconstruct(e));
                DecodedImage source = SourceImages.read(e.source(), preprocess, conf);
                BufferedImage original = source == null ? null : Preprocess.toImage(source.shape(), source.pixels());
                BufferedImage picture = original == null ? rebuilt : Preprocess.sideBySide(original, rebuilt);
                File file = new File(to, e.id().replaceAll("[^A-Za-z0-9._-]", "_") + ".png");
                ImageIO.write(picture, "png", file);
                out.printf(java.util.Locale.ROOT, "%s  ratio %.3f  PSNR %.2f dB%s%n", file, e.ratio(), e.psnrDb(),
                        original == null ? "  (source not readable: reconstruction only)" : "");
                written++;
            }
        }
        out.printf("%d image(s) written to %s%n", written, to);
        out.flush();
        return Main.OK;
    }
}
