package dev.mmps.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/mmps's launch paths for the training commands, read from the command it prints with
 * {@code MMPS_PRINT_COMMAND=1} (the classpath files Maven wrote before the tests): the GPU path leaves the
 * bundled CPU libtorch out, names the CUDA flavour, and runs offline only when nothing must be downloaded.
 */
class LauncherTest {

    private record Launch(int code, String out, String err) {
        /** The words of the printed command ({@code env NAME=value ... java ... Main args}). */
        List<String> words() {
            return Arrays.asList(out.strip().split(" "));
        }

        List<String> classpath() {
            List<String> w = words();
            return Arrays.asList(w.get(w.indexOf("-cp") + 1).split(":"));
        }

        boolean has(String word) {
            return words().contains(word);
        }
    }

    private static Launch launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
        String launcher = System.getProperty("mmps.launcher");
        assumeTrue(launcher != null, "surefire passes mmps.launcher");
        List<String> command = new java.util.ArrayList<>(List.of("bash", launcher));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        for (String name : List.of("MMPS_DEVICE", "PYTORCH_FLAVOR", "PYTORCH_VERSION", "PYTORCH_LIBRARY_PATH",
                "MMPS_JAVA_OPTS", "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")) {
            pb.environment().remove(name);
        }
        pb.environment().put("MMPS_PRINT_COMMAND", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/mmps did not finish in 60 s");
        }
        return new Launch(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static boolean cpuLibtorch(String entry) {
        return entry.contains("/pytorch-native-cpu/");
    }

    private static void assumeLinuxX86() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && "amd64".equals(System.getProperty("os.arch")),
                "DJL's CUDA builds are for Linux on x86_64");
    }

    @Test
    void theCpuPathBundlesLibtorchAndStaysOffline() throws Exception {
        Launch l = launch(Map.of(), "train-teacher", "--epochs", "1");
        assertEquals(0, l.code(), l.err());
        assertTrue(l.classpath().stream().anyMatch(LauncherTest::cpuLibtorch), l.out());
        assertTrue(l.has("-Dai.djl.offline=true"), l.out());
        assertFalse(l.out().contains("PYTORCH_FLAVOR"), l.out());
        List<String> w = l.words();
        assertEquals(List.of("dev.mmps.training.cli.Main", "train-teacher", "--epochs", "1"),
                w.subList(w.size() - 4, w.size()));
    }

    /** glibc's malloc is told to keep freed tensors (BENCHMARKS.md, "CPU training and the memory allocator"). */
    @Test
    void theAllocatorKeepsFreedBlocksUnlessTheEnvironmentSaysOtherwise() throws Exception {
        Launch defaults = launch(Map.of(), "train-teacher");
        assertEquals(0, defaults.code(), defaults.err());
        for (String word : List.of("MALLOC_MMAP_MAX_=0", "MALLOC_TRIM_THRESHOLD_=4294967296",
                "MALLOC_TOP_PAD_=268435456")) {
            assertTrue(defaults.has(word), word + " missing from: " + defaults.out());
        }
        Launch chosen = launch(Map.of("MALLOC_MMAP_MAX_", "65536"), "train-teacher");
        assertTrue(chosen.has("MALLOC_MMAP_MAX_=65536"), chosen.out());
        assertFalse(chosen.has("MALLOC_MMAP_MAX_=0"), chosen.out());
    }

    @Test
    void theGpuPathLeavesTheCpuLibtorchOutAndDownloadsTheCudaFlavourOnce(@TempDir Path cache) throws Exception {
        assumeLinuxX86();
        Launch first = launch(Map.of("MMPS_DEVICE", "gpu", "ENGINE_CACHE_DIR", cache.toString()), "evaluate",
                "--config", "grid.conf");
        assertEquals(0, first.code(), first.err());
        assertFalse(first.classpath().stream().anyMatch(LauncherTest::cpuLibtorch), first.out());
        assertTrue(first.classpath().stream().anyMatch(e -> e.contains("/pytorch-jni-2.7.1-")), first.out());
        assertTrue(first.classpath().stream().anyMatch(e -> e.contains("/pytorch-engine-")), first.out());
        for (String word : List.of("PYTORCH_FLAVOR=cu128", "PYTORCH_VERSION=2.7.1", "MMPS_DEVICE=gpu",
                "ENGINE_CACHE_DIR=" + cache, "-Dai.djl.offline=false")) {
            assertTrue(first.has(word), word + " missing from: " + first.out());
        }
        // Once DJL has the flavour in its cache, nothing is downloaded again: offline.
        Path lib = Files.createDirectories(cache.resolve("pytorch/2.7.1-cu128-linux-x86_64")).resolve("libtorch.so");
        Files.writeString(lib, "");
        Launch cached = launch(Map.of("MMPS_DEVICE", "gpu", "ENGINE_CACHE_DIR", cache.toString()), "evaluate");
        assertTrue(cached.has("-Dai.djl.offline=true"), cached.out());
        // Another flavour the user names is not in the cache: downloaded.
        Launch other = launch(Map.of("MMPS_DEVICE", "gpu", "ENGINE_CACHE_DIR", cache.toString(),
                "PYTORCH_FLAVOR", "cu126"), "evaluate");
        assertTrue(other.has("PYTORCH_FLAVOR=cu126") && other.has("-Dai.djl.offline=false"), other.out());
    }

    @Test
    void theGpuPathTakesLibtorchFromTheUsersFolderOffline(@TempDir Path dir) throws Exception {
        assumeLinuxX86();
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Launch refused = launch(Map.of("MMPS_DEVICE", "gpu", "PYTORCH_LIBRARY_PATH", empty.toString()), "distill");
        assertEquals(2, refused.code(), refused.out());
        assertTrue(refused.err().contains("PYTORCH_LIBRARY_PATH=" + empty + " holds no libtorch.so"), refused.err());
        assertEquals("", refused.out());

        Path lib = Files.createDirectories(dir.resolve("libtorch/lib"));
        Files.writeString(lib.resolve("libtorch.so"), "");
        Launch l = launch(Map.of("MMPS_DEVICE", "gpu", "PYTORCH_LIBRARY_PATH", lib.toString()), "distill");
        assertEquals(0, l.code(), l.err());
        for (String word : List.of("PYTORCH_LIBRARY_PATH=" + lib, "PYTORCH_FLAVOR=cu128", "-Dai.djl.offline=true")) {
            assertTrue(l.has(word), word + " missing from: " + l.out());
        }
        assertFalse(l.classpath().stream().anyMatch(LauncherTest::cpuLibtorch), l.out());
    }

    @Test
    void autoFollowsNvidiaSmi(@TempDir Path dir) throws Exception {
        assumeLinuxX86();
        Path withGpu = fakeNvidiaSmi(dir.resolve("with"), "echo 'GPU 0: Some GPU (UUID: GPU-0)'");
        Path without = fakeNvidiaSmi(dir.resolve("without"),
                "echo 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.'; exit 9");
        String path = System.getenv("PATH");
        Launch gpu = launch(Map.of("MMPS_DEVICE", "auto", "PATH", withGpu + ":" + path), "evaluate");
        assertFalse(gpu.classpath().stream().anyMatch(LauncherTest::cpuLibtorch), gpu.out());
        assertTrue(gpu.has("PYTORCH_FLAVOR=cu128") && gpu.has("MMPS_DEVICE=auto"), gpu.out());
        Launch cpu = launch(Map.of("MMPS_DEVICE", "auto", "PATH", without + ":" + path), "evaluate");
        assertTrue(cpu.classpath().stream().anyMatch(LauncherTest::cpuLibtorch), cpu.out());
        assertTrue(cpu.has("-Dai.djl.offline=true"), cpu.out());
    }

    @Test
    void anUnknownDeviceIsRefused() throws Exception {
        Launch l = launch(Map.of("MMPS_DEVICE", "cuda"), "evaluate");
        assertEquals(2, l.code(), l.out());
        assertTrue(l.err().contains("MMPS_DEVICE='cuda' is not a device: use auto, cpu or gpu"), l.err());
    }

    private static Path fakeNvidiaSmi(Path dir, String body) throws IOException {
        Path script = Files.createDirectories(dir).resolve("nvidia-smi");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }
}
