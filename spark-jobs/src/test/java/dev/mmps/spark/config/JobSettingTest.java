package dev.mmps.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import dev.mmps.images.DecoderChoice;
import dev.mmps.settings.ValidationException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The catalogue of settings and {@code reference.conf} describe the same settings. */
class JobSettingTest {

    private static final Config REFERENCE = ConfigFactory.parseResources(ConfigLoader.REFERENCE)
            .getConfig(ConfigLoader.ROOT);

    /** Every key of {@code reference.conf} is read by exactly one setting; {@code selection} is select's own block. */
    @Test
    void everyKeyOfTheReferenceIsReadByOneSetting() {
        Set<String> documented = new TreeSet<>();
        for (Map.Entry<String, ConfigValue> e : REFERENCE.entrySet()) {
            if (!e.getKey().startsWith("selection.")) {
                documented.add(e.getKey());
            }
        }
        // entrySet leaves out keys whose value is null.
        for (String nullable : new String[] {"input", "output", "compression.max-bond", "compression.epsilon"}) {
            assertTrue(REFERENCE.hasPathOrNull(nullable), nullable);
            documented.add(nullable);
        }
        Set<String> read = new TreeSet<>();
        for (JobSetting s : JobSetting.values()) {
            for (String source : s.sources()) {
                assertTrue(read.add(source), source + " is read by two settings");
            }
        }
        assertEquals(documented, read);
    }

    /** The manifest records one value per setting that applies, by its key, in the catalogue's order. */
    @Test
    void theManifestRecordsEverySettingThatApplies() {
        JobConfig mmps = ConfigLoader.load(null, Map.of("input", "in", "output", "out"));
        Set<String> keys = mmps.describe().keySet();
        for (JobSetting s : JobSetting.values()) {
            assertEquals(s.applies(mmps), keys.contains(s.key()), s.key());
        }
        assertEquals("ratio=0.3", mmps.describe().get("compression.truncation"));
        assertEquals("auto", mmps.describe().get("compression.layout"));
        JobConfig cp = ConfigLoader.load(null, Map.of("input", "in", "output", "out", "compression.codec", "cp"));
        assertTrue(cp.describe().containsKey("compression.cp.seed"));
        assertTrue(!mmps.describe().containsKey("compression.cp.seed"), "a baseline's settings only for it");
    }

    /** What a manifest recorded loads back as the same settings. */
    @Test
    void recordedLayoutAndIngestSettingsLoadBackAsThemselves() {
        JobConfig forced = ConfigLoader.load(null, Map.of("input", "in", "output", "out", "compression.order", "row",
                "ingest.size", "64x48", "ingest.channels", "gray", "ingest.decoder", "imageio"));
        Map<String, Object> recorded = forced.describe();
        assertEquals(forced.ingest(), ConfigLoader.recordedIngest(recorded));
        assertEquals(forced.compression().layout(), ConfigLoader.recordedLayout(Map.of("compression.order",
                recorded.get("compression.order"), "compression.mps-cores", recorded.get("compression.mps-cores"))));
        assertTrue(ConfigLoader.recordedLayout(Map.of()).automatic());
    }

    @Test
    void theExplicitKeysAreWhatTheUserSet() {
        JobConfig c = ConfigLoader.load(null, Map.of("input", "in", "output", "out", "compression.max-bond", 4));
        assertTrue(c.isExplicit(JobSetting.TRUNCATION));
        assertTrue(!c.isExplicit(JobSetting.STAGES));
        assertEquals("max-bond=4", c.describe().get("compression.truncation"));
    }

    @Test
    void aLayoutSpecWithAForcedOrderIsRefused() {
        ValidationException e = assertThrows(ValidationException.class, () -> ConfigLoader.load(null, Map.of("input",
                "in", "output", "out", "compression.layout", "row:4,8,8,4,3", "compression.mps-cores", 4)));
        assertTrue(e.getMessage().contains("an explicit layout fixes both"), e.getMessage());
    }

    /** The decoder is a typed setting: recorded by its label, read back into the preprocessing, refused when unknown. */
    @Test
    void theDecoderIsChosenByItsSetting() {
        JobConfig auto = ConfigLoader.load(null, Map.of("input", "in", "output", "out"));
        assertEquals(DecoderChoice.AUTO, auto.ingest().decoder());
        assertEquals("auto", auto.describe().get("ingest.decoder"));
        // OpenCV's native library loads where the tests run, so auto takes it.
        assertEquals("opencv", auto.ingest().decoderInUse());
        JobConfig imageio = ConfigLoader.load(null, Map.of("input", "in", "output", "out", "ingest.decoder", "ImageIO"));
        assertEquals(DecoderChoice.IMAGEIO, imageio.ingest().preprocess().decoder());
        assertEquals("imageio", imageio.ingest().decoderInUse());
        ValidationException e = assertThrows(ValidationException.class, () -> ConfigLoader.load(null, Map.of("input",
                "in", "output", "out", "ingest.decoder", "turbo")));
        assertTrue(e.getMessage().contains("decoder 'turbo' is unknown: use auto, opencv or imageio"), e.getMessage());
    }
}
