package dev.mmps.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmps.images.ChannelMode;
import dev.mmps.images.DecodedImage;
import dev.mmps.images.Preprocess;
import dev.mmps.tensor.metrics.Quality;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tables written by earlier builds stay readable. Under {@code src/test/resources/golden}: one table of
 * schema version 1 (MMPS rows at float32) and one of version 2 per codec and stored precision that
 * version 2 introduced, each of the same ten CIFAR-10 sample images. Every row rebuilds an image whose
 * PSNR against the sample source is the one stored with it, so the blob encodings cannot drift, and
 * every manifest reads through {@link ManifestFiles} and writes back as the same JSON.
 */
class GoldenTableTest {

    static final Path GOLDEN = Path.of("src/test/resources/golden").toAbsolutePath();
    private static final Path SAMPLES = Path.of("..", "samples", "cifar10").toAbsolutePath().normalize();
    /** Stored PSNR against one recomputed from the rebuilt pixels, in dB. */
    private static final double PSNR_TOLERANCE_DB = 1e-3;
    private static final Preprocess AS_STORED = new Preprocess(0, 0, ChannelMode.AUTO, 100_000_000L);

    @Test
    void versionOneRowsRebuildTheirImages() throws Exception {
        String golden = GOLDEN.resolve("v1").toString();
        TableManifest manifest = ManifestFiles.readTable(golden, new Configuration());
        assertEquals(1, manifest.schemaVersion());
        Set<String> classes = new HashSet<>();
        int rows = 0;
        try (FactorTableReader reader = FactorTableReader.open(golden, new Configuration())) {
            while (reader.hasNext()) {
                FactorTableReader.Entry e = reader.next();
                assertEquals(e.psnrDb(), psnr(e, e.reconstruct()), PSNR_TOLERANCE_DB, e.id());
                assertTrue(e.ratio() <= 0.3, e.id());
                assertEquals(e.className(), e.id().substring(0, e.id().indexOf('/')));
                classes.add(e.className());
                rows++;
            }
        }
        assertEquals(manifest.counts().images(), rows);
        assertEquals(10, classes.size());
        assertEquals(manifest.input().classes().size(), classes.size());
    }

    /** What version 1 did not record reads as what it was: MMPS at float32, and no spectra to plan with. */
    @Test
    void aVersionOneManifestReadsWithTheValuesItImplied() {
        TableManifest manifest = ManifestFiles.readTable(GOLDEN.resolve("v1").toString(), new Configuration());
        assertEquals(FactorFormat.CODEC_MMPS, manifest.codec());
        assertEquals("fp32", manifest.compression().precision());
        assertEquals(FactorFormat.DTYPE_FLOAT32, manifest.compression().dtype());
        assertEquals((double) manifest.totals().storedBytes() / manifest.counts().images(),
                manifest.totals().storedBytesPerImage());
        assertNotNull(manifest.compression().rankProfile());
        assertNull(manifest.compression().rankProfile().profile(), "version 1 kept mean ranks only");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mps-fp16", "svd-int8", "cp-int8-core", "tucker-fp32"})
    void versionTwoRowsOfEveryCodecAndDtypeRebuildTheirImages(String name) throws Exception {
        String golden = GOLDEN.resolve("v2").resolve(name).toString();
        TableManifest manifest = ManifestFiles.readTable(golden, new Configuration());
        assertEquals(2, manifest.schemaVersion());
        String codec = name.substring(0, name.indexOf('-'));
        assertEquals(codec, manifest.codec());
        int rows = 0;
        try (FactorTableReader reader = FactorTableReader.open(golden, new Configuration())) {
            while (reader.hasNext()) {
                FactorTableReader.Entry e = reader.next();
                assertEquals(codec, e.codec());
                assertEquals(manifest.compression().dtype(), e.dtype());
                assertEquals(e.psnrDb(), psnr(e, reader.reconstruct(e)), PSNR_TOLERANCE_DB, e.id());
                rows++;
            }
        }
        assertEquals(manifest.counts().images(), rows);
    }

    /** The typed manifest writes the JSON that FORMAT.md documents: a version 2 file reads and writes back as itself. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mps-fp16", "svd-int8", "cp-int8-core", "tucker-fp32"})
    void versionTwoManifestsWriteBackAsTheSameJson(String name) throws Exception {
        Path file = GOLDEN.resolve("v2").resolve(name).resolve(ManifestFiles.NAME);
        TableManifest manifest = ManifestFiles.readTable(file.getParent().toString(), new Configuration());
        ObjectMapper plain = new ObjectMapper();
        assertEquals(plain.readTree(Files.readAllBytes(file)), plain.readTree(ManifestFiles.toJson(manifest)));
    }

    private static double psnr(FactorTableReader.Entry e, float[] rebuilt) throws Exception {
        DecodedImage original = AS_STORED.apply(Files.readAllBytes(SAMPLES.resolve(e.id())));
        return Quality.psnrDb(Quality.squaredError(original.pixels(), rebuilt, rebuilt.length), rebuilt.length);
    }
}
