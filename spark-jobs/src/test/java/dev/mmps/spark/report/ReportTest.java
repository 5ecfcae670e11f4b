package dev.mmps.spark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmps.settings.ValidationException;
import dev.mmps.spark.SparkTestSession;
import dev.mmps.spark.TestInputs;
import dev.mmps.spark.compress.CompressJob;
import dev.mmps.spark.config.ConfigLoader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The report over real factor tables written by the compress job. */
class ReportTest {

    private static Path mmps;
    private static Path svd;
    private static Path input;

    private static Path compress(Path in, String name, Map<String, Object> extra) {
        Path out = TestInputs.fresh("report-" + name).resolve("table");
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("input", in.toString());
        o.put("output", out.toString());
        o.put("progress-interval-seconds", 60);
        o.putAll(extra);
        new CompressJob(SparkTestSession.get(), ConfigLoader.load(null, o)).run();
        return out;
    }

    @BeforeAll
    static void tables() throws Exception {
        input = TestInputs.fresh("report-input");
        TestInputs.copyCifar(input, 1);
        mmps = compress(input, "mmps", Map.of("compression.ratio", 0.3));
        svd = compress(input, "svd", Map.of("compression.codec", "svd", "compression.precision", "int8",
                "compression.ratio", 0.5));
    }

    @Test
    void reportHoldsThePlotsTheSampleGridAndTheFigures() throws Exception {
        Path dir = TestInputs.fresh("report-out");
        StringWriter log = new StringWriter();
        Report report = Report.build(List.of(mmps.toString(), svd.toString()), 3, 10, new Configuration(),
                new PrintWriter(log));
        report.write(dir.toFile());

        String html = Files.readString(dir.resolve("report.html"));
        Matcher images = Pattern.compile("src=\"data:image/png;base64,").matcher(html);
        int count = 0;
        while (images.find()) {
            count++;
        }
        // Three plots, and per sample image the original and one reconstruction per table.
        assertEquals(3 + 3 * (1 + 2), count);
        assertTrue(html.contains("<h2>Rate and distortion</h2>") && html.contains("<h2>Per-image PSNR</h2>")
                && html.contains("<h2>Errors</h2>"), "every section is there");
        assertTrue(html.contains("JPEG: the first 10 images"), "JPEG reference is described");

        JsonNode json = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        assertEquals(2, json.path("tables").size());
        JsonNode first = json.path("tables").get(0);
        assertEquals("mmps", first.path("codec").asText());
        assertEquals(10, first.path("images").asInt());
        assertTrue(first.path("mean_psnr_db").asDouble() > 25, first.toString());
        assertEquals("int8", json.path("tables").get(1).path("precision").asText());
        JsonNode jpeg = json.path("jpeg").path("points");
        assertEquals(JpegReference.QUALITIES.length, jpeg.size());
        for (int i = 1; i < jpeg.size(); i++) {
            assertTrue(jpeg.get(i).path("bytes_per_image").asInt() >= jpeg.get(i - 1).path("bytes_per_image").asInt(),
                    "JPEG grows with quality");
        }
        assertTrue(jpeg.get(jpeg.size() - 1).path("mean_psnr_db").asDouble()
                > jpeg.get(0).path("mean_psnr_db").asDouble(), "JPEG improves with quality");
        assertEquals(3, json.path("samples").size());
        for (JsonNode t : json.path("tables")) {
            JsonNode atEqualBytes = t.path("jpeg_psnr_db_at_equal_bytes");
            assertTrue(atEqualBytes.isNull() || (atEqualBytes.asDouble() >= jpeg.get(0).path("mean_psnr_db").asDouble()
                    && atEqualBytes.asDouble() <= jpeg.get(jpeg.size() - 1).path("mean_psnr_db").asDouble()), t.toString());
        }
    }

    @Test
    void aGrayscaleImageAmongColourOnesIsMeasuredAtItsOwnShape() throws Exception {
        Path mixed = TestInputs.fresh("report-mixed-input");
        TestInputs.copyCifar(mixed, 1);
        Path cat = mixed.resolve("cat");
        try (var files = Files.list(cat)) {
            Path colour = files.findFirst().orElseThrow();
            java.awt.image.BufferedImage rgb = javax.imageio.ImageIO.read(colour.toFile());
            java.awt.image.BufferedImage gray = new java.awt.image.BufferedImage(rgb.getWidth(), rgb.getHeight(),
                    java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
            gray.getGraphics().drawImage(rgb, 0, 0, null);
            javax.imageio.ImageIO.write(gray, "png", cat.resolve("gray.png").toFile());
        }
        Path table = compress(mixed, "mixed", Map.of("compression.ratio", 0.3));
        Path dir = TestInputs.fresh("report-mixed-out");
        Report.build(List.of(table.toString()), 11, 11, new Configuration(), new PrintWriter(new StringWriter()))
                .write(dir.toFile());
        JsonNode json = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        assertEquals(11, json.path("tables").get(0).path("images").asInt());
        assertEquals(11, json.path("jpeg").path("images").asInt());
    }

    @Test
    void tablesOfDifferentImagesAreRefusedWithTheDifference() throws Exception {
        Path other = TestInputs.fresh("report-other-input");
        TestInputs.copyCifar(other, 2);
        Path bigger = compress(other, "bigger", Map.of("compression.ratio", 0.3));
        var e = assertThrows(ValidationException.class, () -> Report.build(List.of(mmps.toString(),
                bigger.toString()), 2, 0, new Configuration(), new PrintWriter(new StringWriter())));
        assertTrue(e.getMessage().contains("holds 20 images") && e.getMessage().contains("same input"), e.getMessage());
    }
}
