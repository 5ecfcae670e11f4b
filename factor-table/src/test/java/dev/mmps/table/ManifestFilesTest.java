package dev.mmps.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmps.settings.ValidationException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a damaged, newer or foreign manifest gets: a refusal that names the file, the key or version, and the fix. */
class ManifestFilesTest {

    private static final ObjectMapper PLAIN = new ObjectMapper();

    private static ObjectNode golden() throws Exception {
        return (ObjectNode) PLAIN.readTree(Files.readAllBytes(
                GoldenTableTest.GOLDEN.resolve("v2/svd-int8").resolve(ManifestFiles.NAME)));
    }

    private static ValidationException refusal(ObjectNode manifest) {
        byte[] json = manifest.toString().getBytes(StandardCharsets.UTF_8);
        return assertThrows(ValidationException.class, () -> ManifestFiles.parseTable(json, "out/x/manifest.json"));
    }

    @Test
    void aNewerSchemaVersionIsRefusedWithTheVersionsThisBuildReads() throws Exception {
        ObjectNode m = golden();
        m.put("schema_version", FactorFormat.SCHEMA_VERSION + 1);
        m.put("mmps_version", "9.9.9");
        String message = refusal(m).getMessage();
        assertTrue(message.contains("out/x/manifest.json") && message.contains("schema version "
                + (FactorFormat.SCHEMA_VERSION + 1)) && message.contains(FactorFormat.OLDEST_READABLE_VERSION + " to "
                + FactorFormat.SCHEMA_VERSION) && message.contains("9.9.9"), message);
    }

    @Test
    void aMissingKeyIsNamedByItsPath() throws Exception {
        ObjectNode m = golden();
        ((ObjectNode) m.get("counts")).remove("images");
        String message = refusal(m).getMessage();
        assertTrue(message.contains("'counts.images'") && message.contains("out/x/manifest.json"), message);

        ObjectNode noVersion = golden();
        noVersion.remove("schema_version");
        assertTrue(refusal(noVersion).getMessage().contains("'schema_version'"));

        ObjectNode noStep = golden();
        noStep.putArray("error_examples").addObject().put("id", "a.jpg").put("reason", "truncated");
        assertTrue(refusal(noStep).getMessage().contains("'error_examples[0].step'"));
    }

    @Test
    void aValueOfTheWrongKindIsRefusedWithItsPlace() throws Exception {
        ObjectNode m = golden();
        ((ObjectNode) m.get("counts")).put("images", "ten");
        String message = refusal(m).getMessage();
        assertTrue(message.contains("counts") && message.contains("images"), message);
    }

    @Test
    void keysAddedByANewerBuildOfTheSameVersionAreSkipped() throws Exception {
        ObjectNode m = golden();
        m.put("something_new", 1);
        byte[] json = m.toString().getBytes(StandardCharsets.UTF_8);
        assertEquals(10, ManifestFiles.parseTable(json, "m.json").counts().images());
    }

    @Test
    void aFolderWithoutAManifestOrWithBrokenJsonIsNotAnOutput(@TempDir Path dir) throws Exception {
        ValidationException none = assertThrows(ValidationException.class,
                () -> ManifestFiles.readTable(dir.toString(), new Configuration()));
        assertTrue(none.getMessage().contains("has no manifest.json"), none.getMessage());
        Files.writeString(dir.resolve(ManifestFiles.NAME), "{\"schema_version\": 2, ");
        ValidationException broken = assertThrows(ValidationException.class,
                () -> ManifestFiles.readTable(dir.toString(), new Configuration()));
        assertTrue(broken.getMessage().contains("not valid JSON"), broken.getMessage());
    }

    @Test
    void theFactorsFolderFindsTheManifestBesideIt() {
        String factors = GoldenTableTest.GOLDEN.resolve("v2/svd-int8/factors").toString();
        assertEquals("svd", ManifestFiles.readTable(factors, new Configuration()).codec());
    }

    @Test
    void aSubsetManifestRoundTrips(@TempDir Path dir) throws Exception {
        SubsetManifest written = new SubsetManifest(SubsetManifest.SCHEMA_VERSION, "1.0", "2026-01-01T00:00:00Z",
                SubsetManifest.COMMAND, new SubsetManifest.Input("file:/in", List.of("a", "b")),
                new SubsetManifest.Selection("kcenter", 0.3, 1, "pixels 32x32x3", 10_000, 1, 10, 2.5),
                new SubsetManifest.Counts(11, 10, 1, 3),
                List.of(new TableManifest.ErrorExample("a/x.jpg", "decode", "truncated")),
                new SubsetManifest.Timing(2.0, 1.0, 5.0));
        Files.write(dir.resolve(ManifestFiles.NAME), ManifestFiles.toJson(written));
        assertEquals(written, ManifestFiles.readSubset(dir.toString(), new Configuration()));
        Map<?, ?> keys = PLAIN.readValue(dir.resolve(ManifestFiles.NAME).toFile(), Map.class);
        assertTrue(keys.containsKey("error_examples") && keys.containsKey("schema_version"), keys.toString());
    }
}
