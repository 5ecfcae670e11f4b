package dev.mmps.training;

import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * The real data the tests run on: the CIFAR-10 sample that ships with the repository, and golden factor
 * tables made from its first four images per class by the real compress job
 * ({@code src/test/resources/tables/make-tables.sh} records the commands).
 */
public final class TestData {

    /** Pixels on [0, 1]: float32 contractions against the reader's double ones differ by rounding only. */
    public static final double REBUILD_TOLERANCE = 1e-5;

    private TestData() {}

    /** {@code samples/cifar10}: 200 test images in class folders. */
    public static Path cifarSample() {
        return Path.of(System.getProperty("mmps.samples", "../samples")).toAbsolutePath().normalize().resolve("cifar10");
    }

    /** A golden table: mmps-fp32, mmps-int8, mps-fp32, svd-fp32, cp-fp32 or tucker-fp32. */
    public static Path table(String name) {
        try {
            return Path.of(TestData.class.getResource("/tables/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("golden table " + name + " is missing from src/test/resources/tables", e);
        }
    }
}
