package dev.mmps.images;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JPEG decoding through the machine's own libjpeg-turbo (its TurboJPEG Java API, Debian's {@code libturbojpeg-java}),
 * where it is installed. The OpenCV build on Maven Central ({@code org.openpnp:opencv} 4.9.0) compiles its bundled
 * libjpeg-turbo without SIMD ({@code SIMD Support: NO} in its build information); the distribution's build of the
 * same library has it, and decodes the same bytes to the same pixels (same integer IDCT, same upsampling) in about
 * 60% of the time (BENCHMARKS.md, "Decoding"). OpenCV still resizes, and decodes whatever this class refuses.
 *
 * <p>The library is found at run time, not built against: the jar named by the system property
 * {@value #JAR_PROPERTY} (default {@value #DEFAULT_JAR}; {@code off} turns it off), whose classes load
 * {@code libturbojpeg.so} from the usual library folders (Debian: {@code apt-get install libturbojpeg-java
 * libturbojpeg0-dev}). Without it, or where it fails to load, JPEGs decode with OpenCV's build, as before.
 */
final class TurboJpeg {

    private static final Logger LOG = LoggerFactory.getLogger(TurboJpeg.class);

    /** System property naming the TurboJPEG jar, or {@code off}. */
    static final String JAR_PROPERTY = "mmps.turbojpeg.jar";
    static final String DEFAULT_JAR = "/usr/share/java/turbojpeg.jar";

    /** TurboJPEG's pixel formats ({@code TJ.PF_BGR}, {@code TJ.PF_GRAY}): fixed by its C API. */
    private static final int PF_BGR = 1;
    private static final int PF_GRAY = 6;

    private TurboJpeg() {}

    /** The library's entry points, looked up once; {@link #FAILURE} says why not when they could not be. */
    private static final class Library {
        static final MethodHandle CREATE;
        static final MethodHandle SET_SOURCE;
        static final MethodHandle DECOMPRESS;
        static final String FAILURE;

        static {
            MethodHandle create = null;
            MethodHandle source = null;
            MethodHandle decompress = null;
            String failure;
            String jar = System.getProperty(JAR_PROPERTY, DEFAULT_JAR);
            try {
                if ("off".equalsIgnoreCase(jar)) {
                    failure = "turned off (" + JAR_PROPERTY + "=off)";
                } else if (!Files.isRegularFile(Path.of(jar))) {
                    failure = "no " + jar + " (apt-get install libturbojpeg-java libturbojpeg0-dev)";
                } else {
                    // A loader of its own, kept for the JVM's life: the native library binds to it.
                    ClassLoader loader = new URLClassLoader(new URL[] {Path.of(jar).toUri().toURL()},
                            TurboJpeg.class.getClassLoader());
                    Class<?> decompressor = Class.forName("org.libjpegturbo.turbojpeg.TJDecompressor", true, loader);
                    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                    create = lookup.findConstructor(decompressor, MethodType.methodType(void.class));
                    source = lookup.findVirtual(decompressor, "setSourceImage",
                            MethodType.methodType(void.class, byte[].class, int.class));
                    decompress = lookup.findVirtual(decompressor, "decompress",
                            MethodType.methodType(byte[].class, int.class, int.class, int.class, int.class, int.class));
                    // Loads libturbojpeg.so now, so a missing native library shows here rather than on the first image.
                    Class.forName("org.libjpegturbo.turbojpeg.TJ", true, loader);
                    failure = null;
                }
            } catch (Throwable e) {
                failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            CREATE = failure == null ? create : null;
            SET_SOURCE = failure == null ? source : null;
            DECOMPRESS = failure == null ? decompress : null;
            FAILURE = failure;
            if (failure == null) {
                LOG.info("Decoder: JPEG through the system's libjpeg-turbo ({})", jar);
            } else if (System.getProperty(JAR_PROPERTY) != null && !"off".equalsIgnoreCase(jar)) {
                // Asked for by name and not there: the user's setting is wrong, not just the machine without it.
                LOG.warn("Decoder: {}={} does not load ({}); JPEGs decode with OpenCV's own libjpeg-turbo, without "
                        + "SIMD. Point it at TurboJPEG's turbojpeg.jar, or leave it unset for {}", JAR_PROPERTY, jar,
                        failure, DEFAULT_JAR);
            } else {
                LOG.info("Decoder: JPEG through OpenCV's own libjpeg-turbo, built without SIMD; the system's is not "
                        + "used: {}", failure);
            }
        }
    }

    /** Each thread's decompressor: TurboJPEG's handles are not shared between threads. */
    private static final ThreadLocal<Object> DECOMPRESSORS = ThreadLocal.withInitial(() -> {
        try {
            return Library.CREATE.invoke();
        } catch (Throwable e) {
            throw new IllegalStateException("TurboJPEG loaded but could not make a decompressor", e);
        }
    });

    /** Why the system's libjpeg-turbo is not used in this JVM, or null if it is. */
    static String loadFailure() {
        return Library.FAILURE;
    }

    static boolean available() {
        return Library.FAILURE == null;
    }

    /**
     * Decodes a JPEG at {@code 1 / reduction} of its size in the DCT domain (each side rounded up, as libjpeg does),
     * to OpenCV's BGR order or to gray levels. Null when TurboJPEG reports anything about the file, a warning
     * included (a truncated file, say): OpenCV's decoder then takes it as it did before, so damaged files decode or
     * fail exactly as they did.
     *
     * @param width the width the file's header gives
     * @param height the height the file's header gives
     */
    static Mat decode(byte[] bytes, int width, int height, int reduction, boolean gray) {
        int w = (width + reduction - 1) / reduction;
        int h = (height + reduction - 1) / reduction;
        byte[] pixels;
        try {
            Object decompressor = DECOMPRESSORS.get();
            Library.SET_SOURCE.invoke(decompressor, bytes, bytes.length);
            pixels = (byte[]) Library.DECOMPRESS.invoke(decompressor, w, 0, h, gray ? PF_GRAY : PF_BGR, 0);
        } catch (Throwable e) {
            if (e.getClass().getName().equals("org.libjpegturbo.turbojpeg.TJException")) {
                // TurboJPEG's word on this file, its warnings included.
                return null;
            }
            throw new IllegalStateException("TurboJPEG failed on a " + width + "x" + height + " JPEG", e);
        }
        int channels = gray ? 1 : 3;
        if (pixels == null || pixels.length != (long) w * h * channels) {
            return null;
        }
        Mat mat = new Mat(h, w, gray ? CvType.CV_8UC1 : CvType.CV_8UC3);
        mat.put(0, 0, pixels);
        return mat;
    }
}
