package dev.mmps.tensor.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmps.tensor.layout.ImageShape;
import dev.mmps.tensor.layout.LayoutRequest;
import dev.mmps.tensor.linalg.LowRankFactorizers;
import dev.mmps.tensor.tt.Mps;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks the codec, on every SVD route, against values computed by an independent numpy TT-SVD
 * ({@code src/test/python/make_reference.py}, output in {@code reference/expected.properties}).
 */
class ReferenceValuesTest {

    /** Discarded weights and stage-two values pass through float32 cores: a few ulps of ~1. */
    private static final double DISCARDED = 2e-5;
    private static final double RELATIVE_ERROR = 1e-6;
    private static final double PSNR_DB = 2e-4;
    private static final double CORE = 2e-6;

    private static final Properties EXPECTED = load();

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String name : EXPECTED.stringPropertyNames()) {
            if (name.endsWith(".layout")) {
                String c = name.substring(0, name.length() - ".layout".length());
                for (String route : LowRankFactorizers.NAMES) {
                    cases.add(Arguments.of(c, route));
                }
            }
        }
        return cases.stream().sorted((a, b) -> a.get()[0].toString().compareTo(b.get()[0].toString()));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesTheNumpyReference(String name, String route) {
        String input = get(name, "input");
        ImageShape shape;
        float[] pixels;
        if (input.startsWith("synthetic:")) {
            shape = ImageShape.parse(input.substring("synthetic:".length()));
            pixels = synthetic(shape);
        } else {
            shape = new ImageShape(32, 32, 3);
            pixels = rgb(input);
        }
        int stages = Integer.parseInt(get(name, "stages"));
        CompressionSpec spec = new CompressionSpec(LayoutRequest.explicit(get(name, "layout")),
                truncation(name, stages), stages);
        CompressedImage c = new MmpsCodec(spec, LowRankFactorizers.create(route)).compress(pixels, shape);

        for (int s = 0; s < stages; s++) {
            Mps mps = c.factors().stages().get(s);
            assertArrayEquals(ints(get(name, "stage" + s + ".ranks")), mps.ranks(), "ranks of stage " + s);
            double[] discarded = doubles(get(name, "stage" + s + ".discarded"));
            double[] actual = c.stats().discarded()[s];
            for (int k = 0; k < discarded.length; k++) {
                assertEquals(discarded[k], actual[k], DISCARDED, "discarded weight, stage " + s + " bond " + k);
            }
            double[] core0 = doubles(get(name, "stage" + s + ".core0"));
            float[] ours = mps.core(0);
            if (s == 0) {
                for (int i = 0; i < core0.length; i++) {
                    assertEquals(core0[i], ours[i], CORE, "first core entry " + i + " (sign convention)");
                }
            }
        }
        assertEquals(Long.parseLong(get(name, "parameters")), c.stats().parameters());
        assertEquals(Double.parseDouble(get(name, "relativeError")), c.stats().relativeError(), RELATIVE_ERROR);
        assertEquals(Double.parseDouble(get(name, "psnrDb")), c.stats().psnrDb(), PSNR_DB);
    }

    private static Truncation truncation(String name, int stages) {
        if (get(name, "stage0.caps").isEmpty()) {
            double perStage = Double.parseDouble(get(name, "stage0.epsilon"));
            return new Truncation.RelativeError(Math.pow(perStage, stages));
        }
        List<int[]> caps = new ArrayList<>();
        for (int s = 0; s < stages; s++) {
            caps.add(ints(get(name, "stage" + s + ".caps")));
        }
        return new Truncation.BondCaps(caps);
    }

    /** The same integer formula as the script's {@code synthetic()}. */
    private static float[] synthetic(ImageShape shape) {
        float[] p = new float[shape.values()];
        for (int y = 0; y < shape.height(); y++) {
            for (int x = 0; x < shape.width(); x++) {
                for (int c = 0; c < shape.channels(); c++) {
                    p[(y * shape.width() + x) * shape.channels() + c] = ((y * 31 + x * 17 + c * 7) % 64) / 64f;
                }
            }
        }
        return p;
    }

    private static float[] rgb(String resource) {
        try (InputStream in = ReferenceValuesTest.class.getResourceAsStream("/reference/" + resource)) {
            byte[] bytes = in.readAllBytes();
            float[] p = new float[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                p[i] = (bytes[i] & 0xff) / 255f;
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String get(String name, String key) {
        String value = EXPECTED.getProperty(name + "." + key);
        if (value == null) {
            throw new IllegalStateException("expected.properties lacks " + name + "." + key);
        }
        return value;
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static double[] doubles(String csv) {
        return Arrays.stream(csv.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = ReferenceValuesTest.class.getResourceAsStream("/reference/expected.properties")) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
