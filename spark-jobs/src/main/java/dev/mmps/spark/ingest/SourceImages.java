package dev.mmps.spark.ingest;

import dev.mmps.images.DecodedImage;
import dev.mmps.images.ImageFailure;
import dev.mmps.images.Preprocess;
import dev.mmps.spark.config.ConfigLoader;
import dev.mmps.table.TableManifest;
import org.apache.hadoop.conf.Configuration;

/** The source images of a factor table, read again and preprocessed as the job did. */
public final class SourceImages {

    private SourceImages() {}

    /** The preprocessing a compress job used, from the settings its manifest recorded. */
    public static Preprocess preprocess(TableManifest manifest) {
        return ConfigLoader.recordedIngest(manifest.config()).preprocess();
    }

    /** The source image as the job saw it, or null if it cannot be read now (moved, IDX, damaged). */
    public static DecodedImage read(String source, Preprocess preprocess, Configuration conf) {
        if (source.contains("#")) {
            return null;
        }
        try {
            return preprocess.apply(FileBytes.read(source, 0, Integer.MAX_VALUE - 8, conf));
        } catch (ImageFailure | IllegalArgumentException e) {
            return null;
        }
    }
}
