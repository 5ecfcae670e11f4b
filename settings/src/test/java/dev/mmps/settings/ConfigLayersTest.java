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

    @Test
    void aMisspeltKeyIsRefusedWithTheKeyItResembles(@TempDir Path dir) throws IOException {
        File user = Files.writeString(dir.resolve("typo.conf"), "demo { sise = 7, name = mine }").toFile();
        ValidationException e = assertThrows(ValidationException.class,
                () -> ConfigLayers.load(DEFAULTS, "demo", user, Map.of()));
        assertTrue(e.getMessage().contains("sise") && e.getMessage().contains("did you mean size?")
                && e.getMessage().contains("typo.conf") && e.getMessage().contains(DEFAULTS), e.getMessage());
        ValidationException flag = assertThrows(ValidationException.class,
                () -> ConfigLayers.load(DEFAULTS, "demo", null, Map.of("nested.size", 1)));
        assertTrue(flag.getMessage().contains("nested.size") && flag.getMessage().contains("command line"),
                flag.getMessage());
    }

    @Test
    void aBlockOutsideTheRootIsRefused(@TempDir Path dir) throws IOException {
        File user = Files.writeString(dir.resolve("root.conf"), "dmeo { size = 7 }").toFile();
        ValidationException e = assertThrows(ValidationException.class,
                () -> ConfigLayers.load(DEFAULTS, "demo", user, Map.of()));
        assertTrue(e.getMessage().contains("'dmeo'") && e.getMessage().contains("demo { ... }"), e.getMessage());
    }

    @Test
    void aNullDefaultAcceptsABlock(@TempDir Path dir) throws IOException {
        File user = Files.writeString(dir.resolve("block.conf"), "demo { nothing { a = 1 } }").toFile();
        assertEquals(1, ConfigLayers.load(DEFAULTS, "demo", user, Map.of()).merged().getInt("nothing.a"));
    }
}
