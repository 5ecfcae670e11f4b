package dev.mmps.spark.compress;

import dev.mmps.images.Preprocess;
import dev.mmps.spark.sink.FactorRows;
import dev.mmps.table.Precision;
import dev.mmps.tensor.codec.CompressionSpec;
import dev.mmps.tensor.codec.ImageCodec;
import dev.mmps.tensor.layout.ImageShape;
import java.io.Serializable;
import java.util.Map;

/**
 * What every executor needs to compress its images: small, immutable, broadcast once.
 *
 * @param spec the compression spec, with the calibrated rank profile when there is one
 * @param codec makes each task's codec: the chosen one ({@link dev.mmps.tensor.codec.CodecChoice}), with the
 *     baselines' settings
 * @param precision how factor values are stored
 * @param route the SVD route's name
 * @param preprocess decoding and preprocessing
 * @param maxFileBytes largest file read; larger ones are error rows
 * @param rootUri the input root as a qualified URI, to make image ids relative to it
 * @param classIndex class name to label, from the sorted class folders
 * @param expectedSize the height and width all images must have when they are not resized, or
 *     null when {@code preprocess} resizes
 */
public record StageSettings(CompressionSpec spec, ImageCodec.Factory codec, Precision precision, String route,
        Preprocess preprocess, long maxFileBytes, String rootUri, Map<String, Integer> classIndex,
        ImageShape expectedSize) implements Serializable {

    public StageSettings {
        classIndex = Map.copyOf(classIndex);
    }

    /** The decoded path of the input root, ending in '/'. */
    public String rootPath() {
        return rootPath(rootUri);
    }

    /** The decoded path of an input root given as a URI, ending in '/'. */
    static String rootPath(String rootUri) {
        return FactorRows.Origin.rootPath(rootUri);
    }
}
