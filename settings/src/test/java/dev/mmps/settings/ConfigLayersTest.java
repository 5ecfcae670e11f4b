package dev.mmps.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three layers against the test defaults in {@code src/test/resources/layers-test.conf}. */
class ConfigLayersTest {

    private static final String DEFAULTS = "layers-test.conf";

    @Test
    void flagsOverlayTheFileWhichOverlaysTheDefaults(@TempDir Path dir) throws IOException {
        File user = Files.writeString(dir.resolve("user.conf"), "demo { size = 7, name = mine }").toFile();
        ConfigLayers layers = ConfigLayers.load(DEFAULTS, "demo", user, Map.of("size", 9));
        assertEquals(9, layers.merged().getInt("size"));
        assertEquals("mine", layers.stringOrNull("name"));
        assertEquals(0.5, layers.merged().getDouble("share"));
        assertTrue(layers.isExplicit("size") && layers.isExplicit("name"));
        assertFalse(layers.isExplicit("share"));
        assertNull(layers.stringOrNull("nothing"));
    }

    @Test
    void aMissingOrMalformedUserFileIsTheUsersMistake(@TempDir Path dir) throws IOException {
        ValidationException missing = assertThrows(ValidationException.class,
                () -> ConfigLayers.load(DEFAULTS, "demo", dir.resolve("absent.conf").toFile(), Map.of()));
        assertTrue(missing.getMessage().contains("absent.conf") && missing.getMessage().contains("--config"),
                missing.getMessage());
        File broken = Files.writeString(dir.resolve("broken.conf"), "demo { size = ").toFile();
        ValidationException malformed = assertThrows(ValidationException.class,
                () -> ConfigLayers.load(DEFAULTS, "demo", broken, Map.of()));
        assertTrue(malformed.getMessage().contains("broken.conf"), malformed.getMessage());
    }

    @Test
    void aValueOfTheWrongTypeNamesItsKey() {
        ConfigLayers layers = ConfigLayers.load(DEFAULTS, "demo", null, Map.of("size", "many"));
        ValidationException e = assertThrows(ValidationException.class,
                () -> layers.build(l -> l.merged().getInt("size")));
        assertTrue(e.getMessage().contains("size"), e.getMessage());
    }

    @Test
    void missingDefaultsAreABrokenBuildNotAUserMistake() {
        assertThrows(IllegalStateException.class, () -> ConfigLayers.load("no-such.conf", "demo", null, Map.of()));
    }
}
