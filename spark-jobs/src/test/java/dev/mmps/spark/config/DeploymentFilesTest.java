package dev.mmps.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmps.spark.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The launcher ({@code bin/mmps} with {@code conf/jvm.options}), the cluster settings
 * ({@code conf/spark-defaults.conf}) and the Docker image ({@code docker/Dockerfile}) must run
 * the same main class with the same JVM flags on the same Spark. No Docker engine runs in CI, so
 * this is what keeps the image from drifting.
 */
class DeploymentFilesTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void launcherClusterSettingsAndImageOpenTheSameModules() throws IOException {
        Set<String> launcher = new TreeSet<>();
        for (String line : Files.readAllLines(ROOT.resolve("conf/jvm.options"))) {
            if (line.startsWith("--add-opens")) {
                launcher.add(line.trim());
            }
        }
        assertTrue(launcher.size() > 10, launcher.toString());
        String defaults = Files.readString(ROOT.resolve("conf/spark-defaults.conf"));
        for (String key : new String[] {"spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions"}) {
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(key) + "\\s+(.+)$").matcher(defaults);
            assertTrue(m.find(), key + " is missing from conf/spark-defaults.conf");
            assertEquals(launcher, new TreeSet<>(Arrays.asList(m.group(1).trim().split("\\s+"))), key);
        }
        assertTrue(defaults.contains("spark.executorEnv.OPENBLAS_NUM_THREADS   1"));
        String dockerfile = Files.readString(ROOT.resolve("docker/Dockerfile"));
        assertTrue(dockerfile.contains("COPY conf/spark-defaults.conf /opt/spark/conf/spark-defaults.conf"));
    }

    /** Maven refuses a parent POM whose listed modules are missing, even those {@code -pl} does not build. */
    @Test
    void theImagesBuildStageHasEveryModuleTheParentPomLists() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("docker/Dockerfile"));
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        int modules = 0;
        while (module.find()) {
            String name = module.group(1);
            assertTrue(dockerfile.contains("\nCOPY . .\n") || dockerfile.contains("\nCOPY " + name + " " + name + "\n"),
                    "docker/Dockerfile copies module " + name + " into its build stage");
            modules++;
        }
        assertTrue(modules >= 8, "pom.xml lists the project's modules");
    }

    @Test
    void launcherAndImageRunTheSameMainClassOnTheBuildsSpark() throws IOException {
        String main = Main.class.getName();
        assertTrue(Files.readString(ROOT.resolve("bin/mmps")).contains(main), "bin/mmps runs " + main);
        String dockerfile = Files.readString(ROOT.resolve("docker/Dockerfile"));
        assertTrue(dockerfile.contains("--class " + main), "docker/Dockerfile shows --class " + main);
        Matcher version = Pattern.compile("<spark.version>([^<]+)</spark.version>")
                .matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertTrue(version.find());
        Matcher image = Pattern.compile("(?m)^FROM spark:([0-9.]+)-scala(\\S+)-java(\\d+)").matcher(dockerfile);
        assertTrue(image.find(), "docker/Dockerfile starts its runtime stage FROM spark:<version>-scala...-java...");
        assertEquals(version.group(1), image.group(1), "the image's Spark is the build's");
        assertEquals("2.13", image.group(2));
        assertEquals("17", image.group(3));
    }
}
