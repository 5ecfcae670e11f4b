package dev.mmps.tensor.linalg;

import java.util.List;

/** Creates factorisers by name: the names configuration files and the command line use. */
public final class LowRankFactorizers {

    /** Route names, {@code auto} first. */
    public static final List<String> NAMES = List.of("auto", "java-gram", "blas-gram", "lapack-gram", "lapack-svd",
            "randomized");

    /**
     * Gram order from which the native eigensolver replaces the Java one in {@code blas-gram} (measured:
     * BENCHMARKS.md, "Where the kernel's time goes": at order 80 LAPACK's takes 300-340 against 400-440 us).
     */
    public static final int NATIVE_EIGEN_FROM_ORDER = 64;

    private LowRankFactorizers() {}

    /**
     * @param name one of {@link #NAMES}
     * @throws IllegalArgumentException for an unknown name
     * @throws IllegalStateException if a native route is named and OpenBLAS cannot load here, or fails
     *     its load-time check
     */
    public static LowRankFactorizer create(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (key) {
            case "auto" -> NativeBlas.available() ? blasGram() : new GramFactorizer();
            case "java-gram" -> new GramFactorizer();
            case "blas-gram" -> blasGram();
            case "lapack-gram" -> {
                LapackSymmetricEigen lapack = new LapackSymmetricEigen();
                yield new GramFactorizer("lapack-gram", new BlasGemm(), lapack, lapack, Integer.MAX_VALUE);
            }
            case "lapack-svd" -> new LapackSvdFactorizer();
            case "randomized" -> randomized(RandomizedFactorizer.OVERSAMPLING, RandomizedFactorizer.POWER_ITERATIONS);
            default -> providers().stream().filter(p -> p.name().equals(key)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("SVD route '" + name + "' is unknown: use one of "
                            + names()))
                    .create();
        };
    }

    /**
     * Every route this JVM can create: {@link #NAMES}, then those that modules on the classpath register as
     * {@link LowRankFactorizerProvider}s ({@code nd4j} from {@code mmps-nd4j}).
     */
    public static List<String> names() {
        List<String> all = new java.util.ArrayList<>(NAMES);
        providers().forEach(p -> all.add(p.name()));
        return List.copyOf(all);
    }

    private static List<LowRankFactorizerProvider> providers() {
        return java.util.ServiceLoader.load(LowRankFactorizerProvider.class, LowRankFactorizers.class.getClassLoader())
                .stream().map(java.util.ServiceLoader.Provider::get).toList();
    }

    /**
     * The {@code randomized} route with other sketch settings: native products and the {@code blas-gram}
     * route for what it does not sketch when OpenBLAS loads here, plain Java otherwise.
     */
    public static RandomizedFactorizer randomized(int oversampling, int powerIterations) {
        return NativeBlas.available()
                ? new RandomizedFactorizer("randomized", new BlasGemm(), blasGram(), new SymmetricEigen(),
                        new LapackSymmetricEigen(), NATIVE_EIGEN_FROM_ORDER, oversampling, powerIterations)
                : new RandomizedFactorizer("randomized", new JavaGemm(), new GramFactorizer(), new SymmetricEigen(),
                        null, Integer.MAX_VALUE, oversampling, powerIterations);
    }

    /** Native products; the Java eigensolver for small orders, LAPACK's for large ones. */
    private static GramFactorizer blasGram() {
        return new GramFactorizer("blas-gram", new BlasGemm(), new SymmetricEigen(), new LapackSymmetricEigen(),
                NATIVE_EIGEN_FROM_ORDER);
    }

    /**
     * Frees a route's native buffers, if it holds any (a no-op for plain-Java routes).
     *
     * @throws IllegalStateException if closing fails
     */
    public static void close(Object route) {
        if (route instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("freeing " + route + " failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Matrix products for work outside a route, such as rebuilding stored rows: OpenBLAS's when it loads here,
     * else plain Java. Free them with {@link #close}.
     */
    public static MatrixProduct products() {
        return NativeBlas.available() ? new BlasGemm() : new JavaGemm();
    }

    /** Whether the native OpenBLAS routes can run on this machine. */
    public static boolean nativeAvailable() {
        return NativeBlas.available();
    }
}
