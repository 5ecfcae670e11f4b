package dev.mmps.tensor.linalg;

import java.util.List;

/** Creates factorisers by name: the names configuration files and the command line use. */
public final class LowRankFactorizers {

    /** Route names, {@code auto} first. */
    public static final List<String> NAMES = List.of("auto", "java-gram", "lapack-gram", "lapack-svd");

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
            case "auto" -> NativeBlas.available()
                    ? new AutoFactorizer(new LapackGramFactorizer())
                    : new GramFactorizer();
            case "java-gram" -> new GramFactorizer();
            case "lapack-gram" -> new LapackGramFactorizer();
            case "lapack-svd" -> new LapackSvdFactorizer();
            default -> throw new IllegalArgumentException("SVD route '" + name + "' is unknown: use one of " + NAMES);
        };
    }

    /** Whether the native OpenBLAS routes can run on this machine. */
    public static boolean nativeAvailable() {
        return NativeBlas.available();
    }
}
