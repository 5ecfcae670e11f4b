package dev.mmps.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launcher's class data sharing ({@code scripts/class-archive.sh}, used by {@code bin/mmps}) with the
 * packaged jar: the script records an archive for this build and JVM, and a JVM that {@code bin/mmps} starts
 * then loads mmps's and Spark's classes from it, while {@code MMPS_CLASS_ARCHIVE=off} starts without it; on
 * Java 25 (chosen with {@code JAVA_HOME}), an ahead-of-time cache in its place, beside the other JVM's archive.
 */
class ClassArchiveIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** How the JVM's class loading log names a class mapped from the archive made for the application. */
    private static final String FROM_ARCHIVE = "source: shared objects file (top)";
    /** How it names a class loaded from an ahead-of-time cache (a static archive). */
    private static final String FROM_CACHE = "source: shared objects file";

    @Test
    void theLauncherMapsTheClassesOfItsArchive() throws Exception {
        Path work = Path.of("target", "class-archive-it").toAbsolutePath();
        StandaloneCluster.deleteRecursively(work);
        Files.createDirectories(work);
        assertEquals(0, run(work.resolve("record.log"), Map.of(), ROOT.resolve("scripts/class-archive.sh").toString()),
                "recording the archive");
        Path archive = Path.of(output(ROOT.resolve("scripts/class-archive.sh").toString(), "--path").strip());
        assertTrue(Files.size(archive) > 0, archive + " was recorded");

        Path with = work.resolve("with.log");
        Path without = work.resolve("without.log");
        assertEquals(0, run(work.resolve("with.out"), Map.of("MMPS_JAVA_OPTS", "-Xlog:class+load=info:file=" + with),
                ROOT.resolve("bin/mmps").toString(), "compress", "--help"));
        assertEquals(0, run(work.resolve("without.out"), Map.of("MMPS_CLASS_ARCHIVE", "off",
                "MMPS_JAVA_OPTS", "-Xlog:class+load=info:file=" + without), ROOT.resolve("bin/mmps").toString(),
                "compress", "--help"));

        List<String> mapped = Files.readAllLines(with).stream().filter(l -> l.contains(FROM_ARCHIVE)).toList();
        assertTrue(mapped.stream().anyMatch(l -> l.contains(" dev.mmps.spark.cli.Main ")), "mmps's main class");
        assertTrue(mapped.stream().anyMatch(l -> l.contains(" com.typesafe.config.ConfigFactory ")), "a library's class");
        assertFalse(Files.readString(without).contains(FROM_ARCHIVE), "MMPS_CLASS_ARCHIVE=off maps nothing");
        assertTrue(Files.readString(work.resolve("with.out")).contains("--input"), "the command still runs");
    }

    /**
     * On Java 25 the script records an ahead-of-time cache instead, and the launcher maps it: the same classes
     * come from it. Runs where a Java 25 is installed (Temurin's, where machines of the project's kind keep it,
     * or {@code JAVA25_HOME}).
     */
    @Test
    void onJava25TheLauncherMapsItsAheadOfTimeCache() throws Exception {
        Path java25 = Path.of(System.getenv().getOrDefault("JAVA25_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"));
        assumeTrue(Files.isExecutable(java25.resolve("bin/java")), "no Java 25 at " + java25);
        // JAVA_HOME alone picks the JVM, as for Spark's scripts; the PATH's java stays the tests' own.
        Map<String, String> env = Map.of("JAVA_HOME", java25.toString());
        Path other = Path.of(output(Map.of("JAVA_HOME", System.getProperty("java.home")),
                ROOT.resolve("scripts/class-archive.sh").toString(), "--path").strip());
        boolean otherExisted = Files.exists(other);
        Path work = Path.of("target", "class-archive-it-25").toAbsolutePath();
        StandaloneCluster.deleteRecursively(work);
        Files.createDirectories(work);
        assertEquals(0, run(work.resolve("record.log"), env, ROOT.resolve("scripts/class-archive.sh").toString()),
                "recording the cache");
        Path cache = Path.of(output(env, ROOT.resolve("scripts/class-archive.sh").toString(), "--path").strip());
        assertTrue(cache.toString().endsWith(".aot") && Files.size(cache) > 0, cache + " was recorded");
        // Each JVM keeps its own archive: recording this one left the tests' JVM's in place.
        assertEquals(otherExisted, Files.exists(other), other.toString());

        Path log = work.resolve("with.log");
        Map<String, String> with = new java.util.HashMap<>(env);
        with.put("MMPS_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
        assertEquals(0, run(work.resolve("with.out"), with, ROOT.resolve("bin/mmps").toString(), "compress",
                "--help"));
        List<String> mapped = Files.readAllLines(log).stream().filter(l -> l.contains(FROM_CACHE)).toList();
        assertTrue(mapped.stream().anyMatch(l -> l.contains(" dev.mmps.spark.cli.Main ")), "mmps's main class");
        assertTrue(mapped.stream().anyMatch(l -> l.contains(" com.typesafe.config.ConfigFactory ")), "a library's class");
        assertTrue(Files.readString(work.resolve("with.out")).contains("--input"), "the command still runs");
    }

    private static int run(Path log, Map<String, String> env, String... command) throws IOException,
            InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish in 5 minutes");
        }
        return p.exitValue();
    }

    private static String output(String... command) throws IOException, InterruptedException {
        return output(Map.of(), command);
    }

    private static String output(Map<String, String> env, String... command) throws IOException,
            InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor());
        return out;
    }
}
