package dev.mmps.python;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmps.spark.cli.Main;
import dev.mmps.table.FactorTableReader;
import dev.mmps.table.ManifestFiles;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Python package against the Java reader: writes tables with the compress command (every codec and
 * stored precision, block and row layouts, padded images) beside the golden tables, writes what the Java
 * reader rebuilds from each, installs the package into a virtual environment under {@code target/} and
 * runs its pytest suite, which compares pixel for pixel and tests the rest of the package.
 */
class PythonReaderTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path WORK = Path.of("target", "python-fixtures").toAbsolutePath();
    private static final Path VENV = Path.of("target", "pyenv").toAbsolutePath();
    /**
     * Installing torch's CPU wheel from the machine's wheel folder takes about a minute. Without a network
     * pip gives up on an index at once rather than retrying it (--retries 1) and takes the wheel folders.
     */
    private static final long INSTALL_MINUTES = 10;
    private static final long PYTEST_MINUTES = 10;

    private static Path fixtures;

    @BeforeAll
    static void tables() throws IOException {
        deleteRecursively(WORK);
        Path cifar = Files.createDirectories(WORK.resolve("input/cifar10"));
        copyFirst(REPO.resolve("samples/cifar10"), cifar, 2);
        Path imagenet = REPO.resolve("samples/imagenet");
        Path tables = Files.createDirectories(WORK.resolve("tables"));

        Map<String, List<String>> made = new LinkedHashMap<>();
        made.put("cifar-mmps-fp32", List.of("--input", cifar.toString()));
        made.put("cifar-mmps-int8-row", List.of("--input", cifar.toString(), "--precision", "int8", "--layout",
                "row:32,8,4,3"));
        made.put("cifar-mps-fp16", List.of("--input", cifar.toString(), "--codec", "mps", "--precision", "fp16",
                "--layout", "block:2x2,4x4,2x2,2x2,1x1x3"));
        made.put("cifar-svd-int8-core", List.of("--input", cifar.toString(), "--codec", "svd", "--precision",
                "int8-core"));
        made.put("cifar-cp-fp16", List.of("--input", cifar.toString(), "--codec", "cp", "--precision", "fp16"));
        made.put("cifar-tucker-int8", List.of("--input", cifar.toString(), "--codec", "tucker", "--precision",
                "int8"));
        made.put("imagenet-mmps-row-padded", List.of("--input", imagenet.toString(), "--size", "37x41",
                "--channels", "rgb", "--order", "row", "--ratio", "0.5"));
        made.put("imagenet-mmps-int8-block", List.of("--input", imagenet.toString(), "--size", "37x37",
                "--channels", "rgb", "--precision", "int8"));

        List<Map<String, Object>> entries = new ArrayList<>();
        for (Map.Entry<String, List<String>> m : made.entrySet()) {
            Path out = tables.resolve(m.getKey());
            List<String> args = new ArrayList<>(List.of("compress", "--output", out.toString(), "--local-cores", "2"));
            args.addAll(m.getValue());
            assertEquals(Main.OK, Main.run(args.toArray(String[]::new)), "compress " + args);
            entries.add(reference(m.getKey(), out, !m.getValue().contains("--size")));
        }
        entries.add(reference("cifar-mmps-delta", deltaTable(cifar, tables.resolve("cifar-mmps-delta")), true));
        Path golden = REPO.resolve("factor-table/src/test/resources/golden");
        entries.add(reference("golden-v1", golden.resolve("v1"), false));
        try (Stream<Path> v2 = Files.list(golden.resolve("v2"))) {
            for (Path t : v2.sorted().toList()) {
                entries.add(reference("golden-v2-" + t.getFileName(), t, false));
            }
        }
        fixtures = WORK.resolve("fixtures.json");
        Files.writeString(fixtures, ManifestFiles.toJsonString(Map.of("tables", entries)));
    }

    /**
     * An output of Delta tables whose folders also hold files the newest version no longer names: a run at ratio
     * 0.5, then one at the default ratio replacing it, whose commit is also a checkpoint. A reader that listed
     * the folder instead of replaying the log would read every image twice.
     */
    private static Path deltaTable(Path input, Path out) {
        List<String> common = List.of("compress", "--input", input.toString(), "--output", out.toString(),
                "--local-cores", "2", "--table-format", "delta");
        List<String> first = new ArrayList<>(common);
        first.addAll(List.of("--ratio", "0.5"));
        assertEquals(Main.OK, Main.run(first.toArray(String[]::new)), "compress " + first);
        SparkSession spark = SparkSession.builder().master("local[2]").appName("mmps-python-fixtures")
                .config("spark.ui.enabled", false)
                .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
                .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
                .getOrCreate();
        try {
            spark.sql("ALTER TABLE delta.`" + out.resolve("factors") + "` SET TBLPROPERTIES "
                    + "('delta.checkpointInterval' = '1')");
            List<String> second = new ArrayList<>(common);
            second.add("--overwrite");
            assertEquals(Main.OK, Main.run(second.toArray(String[]::new)), "compress " + second);
        } finally {
            spark.stop();
        }
        return out;
    }

    /**
     * What the Java reader rebuilds from a table: its ids in reading order and its pixels, {@code H x W x C}
     * per row, as little-endian float32 in one file.
     *
     * @param sourcesReadable whether the rows' sources are the images as compressed (no resizing), so that
     *     their PSNR can be measured again from the files
     */
    private static Map<String, Object> reference(String name, Path table, boolean sourcesReadable) throws IOException {
        Path pixels = WORK.resolve("java-pixels").resolve(name + ".f32");
        Files.createDirectories(pixels.getParent());
        List<String> ids = new ArrayList<>();
        List<List<Integer>> shapes = new ArrayList<>();
        try (FactorTableReader reader = FactorTableReader.open(table.toString(), new Configuration());
                OutputStream out = new BufferedOutputStream(Files.newOutputStream(pixels))) {
            while (reader.hasNext()) {
                FactorTableReader.Entry e = reader.next();
                float[] image = reader.reconstruct(e);
                ByteBuffer bytes = ByteBuffer.allocate(image.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(image);
                out.write(bytes.array());
                ids.add(e.id());
                shapes.add(List.of(e.shape().height(), e.shape().width(), e.shape().channels()));
            }
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("name", name);
        entry.put("table", table.toString());
        entry.put("pixels", pixels.toString());
        entry.put("ids", ids);
        entry.put("shapes", shapes);
        entry.put("sources_readable", sourcesReadable);
        return entry;
    }

    @Test
    void pythonSuitePasses() throws Exception {
        Path python = REPO.resolve("python");
        if (!Files.exists(VENV.resolve("bin/python"))) {
            run(List.of("python3", "-m", "venv", VENV.toString()), python, INSTALL_MINUTES);
        }
        run(List.of(VENV.resolve("bin/python").toString(), "-m", "pip", "install", "--quiet",
                "--disable-pip-version-check", "--retries", "1", python + "[torch,test]"), python, INSTALL_MINUTES);
        ProcessBuilder pytest = new ProcessBuilder(VENV.resolve("bin/python").toString(), "-m", "pytest", "-q",
                "-p", "no:cacheprovider", "tests");
        pytest.environment().put("MMPS_JAVA_FIXTURES", fixtures.toString());
        pytest.environment().put("MMPS_REQUIRE_JAVA_FIXTURES", "1");
        pytest.environment().put("OMP_NUM_THREADS", "2");
        assertEquals(0, run(pytest, python, PYTEST_MINUTES), "the Python suite failed; its output is above");
    }

    private static void run(List<String> command, Path dir, long minutes) throws Exception {
        assertEquals(0, run(new ProcessBuilder(command), dir, minutes), String.join(" ", command));
    }

    private static int run(ProcessBuilder command, Path dir, long minutes) throws Exception {
        // The child's output is copied line by line to this JVM's System.out (writing to the JVM's own
        // stdout would corrupt the channel surefire reads the test's output from).
        Process p = command.directory(dir.toFile()).redirectErrorStream(true).start();
        Thread copy = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (!line.contains("Retrying (Retry(") && !line.contains("' is ignored: it is neither")) {
                        System.out.println(line);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        copy.start();
        if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command.command()) + " took more than " + minutes + " minutes");
        }
        copy.join();
        return p.exitValue();
    }

    private static void copyFirst(Path from, Path to, int perClass) throws IOException {
        try (Stream<Path> classes = Files.list(from)) {
            for (Path c : classes.sorted().toList()) {
                Path out = Files.createDirectories(to.resolve(c.getFileName().toString()));
                try (Stream<Path> files = Files.list(c)) {
                    for (Path f : files.sorted().limit(perClass).toList()) {
                        Files.copy(f, out.resolve(f.getFileName().toString()));
                    }
                }
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
