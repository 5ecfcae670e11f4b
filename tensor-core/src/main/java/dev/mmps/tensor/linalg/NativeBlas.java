package dev.mmps.tensor.linalg;

import static org.bytedeco.openblas.global.openblas.LAPACK_ROW_MAJOR;

import org.bytedeco.openblas.global.openblas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the OpenBLAS build that ships with JavaCPP, pins it to one thread (callers parallelise
 * across images, one per core) and checks once that it computes correct singular vectors.
 *
 * <p>The check exists because OpenBLAS 0.3.19, the build ND4J 1.0.0-M2.1 depends on, returns
 * non-orthogonal singular vectors from its SkylakeX kernels on AVX-512 machines for matrices
 * large enough to take the blocked code path. If such a build wins dependency mediation on some
 * classpath, the native routes refuse to run instead of writing wrong factors.
 */
final class NativeBlas {

    private static final Logger LOG = LoggerFactory.getLogger(NativeBlas.class);
    private static final int CHECK_ROWS = 100;
    private static final int CHECK_COLS = 130;
    private static final double CHECK_TOLERANCE = 1e-8;

    private static final Object LOCK = new Object();
    private static volatile String problem;
    private static volatile boolean checked;

    private NativeBlas() {}

    /**
     * @throws IllegalStateException if the library cannot be loaded here or fails the check; the
     *     message says why and what to do
     */
    static void ensureLoaded() {
        check();
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
    }

    /** Whether the native routes can run here; never throws, logs the reason once if not. */
    static boolean available() {
        check();
        return problem == null;
    }

    private static void check() {
        if (checked) {
            return;
        }
        synchronized (LOCK) {
            if (checked) {
                return;
            }
            try {
                openblas.blas_set_num_threads(1);
                problem = selfCheck();
            } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
                problem = "native OpenBLAS could not be loaded on " + System.getProperty("os.name") + "/"
                        + System.getProperty("os.arch") + " (" + e + "); use the java-gram route";
            }
            if (problem != null) {
                LOG.warn("Native LAPACK routes disabled: {}", problem);
            } else {
                LOG.debug("OpenBLAS {} loaded and checked", openblas.OPENBLAS_VERSION);
            }
            checked = true;
        }
    }

    /** Returns null if dgesdd gives orthonormal singular vectors on a blocked-size matrix. */
    private static String selfCheck() {
        double[] a = new double[CHECK_ROWS * CHECK_COLS];
        long seed = 12345;
        for (int i = 0; i < a.length; i++) {
            seed = seed * 6364136223846793005L + 1442695040888963407L;
            a[i] = ((seed >>> 11) * 0x1.0p-53) - 0.5;
        }
        int k = CHECK_ROWS;
        double[] s = new double[k];
        double[] u = new double[CHECK_ROWS * k];
        double[] vt = new double[k * CHECK_COLS];
        int info = openblas.LAPACKE_dgesdd(LAPACK_ROW_MAJOR, (byte) 'S', CHECK_ROWS, CHECK_COLS, a, CHECK_COLS, s, u, k,
                vt, CHECK_COLS);
        if (info != 0) {
            return "OpenBLAS self-check: dgesdd returned info=" + info;
        }
        double worst = 0;
        for (int p = 0; p < k; p++) {
            for (int q = 0; q <= p; q++) {
                double dot = 0;
                for (int i = 0; i < CHECK_ROWS; i++) {
                    dot += u[i * k + p] * u[i * k + q];
                }
                worst = Math.max(worst, Math.abs(dot - (p == q ? 1 : 0)));
            }
        }
        if (worst > CHECK_TOLERANCE) {
            return "OpenBLAS " + openblas.OPENBLAS_VERSION.trim() + " returned singular vectors that are not orthonormal"
                    + " (deviation " + worst + ") on this CPU; put org.bytedeco:openblas 0.3.21 or later on the"
                    + " classpath, or start the JVM with OPENBLAS_CORETYPE=Haswell in its environment";
        }
        return null;
    }

    static void check(int info, String routine, int rows, int cols) {
        if (info != 0) {
            throw new ArithmeticException(routine + " failed with info=" + info + " on a " + rows + "x" + cols
                    + " matrix");
        }
    }
}
