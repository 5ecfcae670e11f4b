package dev.mmps.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Spark standalone cluster on 127.0.0.1, made from the Maven classpath: a
 * {@code org.apache.spark.deploy.master.Master} and {@code org.apache.spark.deploy.worker.Worker}s,
 * each its own JVM process, and jobs submitted through {@code org.apache.spark.deploy.SparkSubmit}
 * exactly as {@code spark-submit} does. The Spark "distribution" is a folder whose {@code jars/}
 * links the jars of Spark's Maven dependency tree, which is where a worker looks for the classpath
 * of the executors it launches.
 *
 * <p>Everything it starts, it stops: {@link #close} kills every process it started and their
 * children (the executors), and a shutdown hook does the same if the JVM ends first.
 */
public final class StandaloneCluster implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path home;
    private final Path sparkHome;
    private final String classpath;
    private final List<String> jvmOptions;
    private final int masterPort;
    private final List<Daemon> workers = new ArrayList<>();
    private final List<Daemon> started = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::stopAll, "mmps-cluster-stop");
    private int workerCores;
    private String workerMemory;

    private StandaloneCluster(Path home, List<Path> sparkJars, List<String> jvmOptions) throws IOException {
        this.home = Files.createDirectories(home);
        this.sparkHome = home.resolve("spark");
        this.jvmOptions = List.copyOf(jvmOptions);
        Path jars = Files.createDirectories(sparkHome.resolve("jars"));
        for (Path jar : sparkJars) {
            Path link = jars.resolve(jar.getFileName());
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, jar.toAbsolutePath());
            }
        }
        this.classpath = jars.toAbsolutePath() + "/*";
        this.masterPort = freePort();
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts a master and {@code workers} workers of {@code cores} cores and {@code memory} (such as
     * {@code 1200m}) each, and waits until every worker has registered.
     *
     * @param home a folder for the Spark home, logs and work folders
     * @param sparkJars the jars of Spark and its dependencies
     * @param jvmOptions flags for every JVM (module openings for Java 17)
     */
    public static StandaloneCluster start(Path home, List<Path> sparkJars, List<String> jvmOptions, int workers,
            int cores, String memory) throws IOException {
        StandaloneCluster cluster = new StandaloneCluster(home, sparkJars, jvmOptions);
        try {
            cluster.workerCores = cores;
            cluster.workerMemory = memory;
            cluster.startMaster();
            for (int i = 0; i < workers; i++) {
                cluster.addWorker();
            }
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    public String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    private void startMaster() throws IOException {
        Daemon master = launch("master", List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", Integer.toString(masterPort), "--webui-port", Integer.toString(freePort())));
        master.awaitLog("I have been elected leader", START_TIMEOUT);
    }

    /** Starts one more worker and waits until it has registered; returns its index. */
    public int addWorker() throws IOException {
        int index = workers.size();
        Path work = Files.createDirectories(home.resolve("work-" + index));
        Daemon worker = launch("worker-" + index, List.of("org.apache.spark.deploy.worker.Worker", "--host",
                "127.0.0.1", "--cores", Integer.toString(workerCores), "--memory", workerMemory, "--webui-port",
                Integer.toString(freePort()), "--work-dir", work.toString(), masterUrl()));
        worker.awaitLog("Successfully registered with master", START_TIMEOUT);
        workers.add(worker);
        return index;
    }

    /** Workers started and not killed. */
    public long liveWorkers() {
        return workers.stream().filter(w -> w.process().isAlive()).count();
    }

    /**
     * Kills a worker as a machine dies: SIGKILL to its executors and to the worker process, with
     * no chance to say goodbye.
     */
    public void killWorker(int index) {
        workers.get(index).kill();
    }

    /** Kills the most recently started worker that is still alive; returns its index. */
    public int killLastLiveWorker() {
        for (int i = workers.size() - 1; i >= 0; i--) {
            if (workers.get(i).process().isAlive()) {
                killWorker(i);
                return i;
            }
        }
        throw new IllegalStateException("no live worker to kill");
    }

    /**
     * Submits an application to this cluster with SparkSubmit in client mode, as
     * {@code spark-submit} does.
     *
     * @param name a name for the log file
     * @param submitArgs SparkSubmit's own arguments (without {@code --master}), ending with the
     *     application jar
     * @param appArgs the application's arguments
     */
    public Daemon submit(String name, List<String> submitArgs, List<String> appArgs) throws IOException {
        return submit(name, masterUrl(), List.of(), submitArgs, appArgs);
    }

    /**
     * Submits an application with SparkSubmit in client mode to any master ({@code local[2]} runs
     * it in the driver's JVM, with the same jars and flags as the cluster's processes).
     *
     * @param driverFlags extra flags for the driver's JVM (the SparkSubmit process)
     */
    public Daemon submit(String name, String master, List<String> driverFlags, List<String> submitArgs,
            List<String> appArgs) throws IOException {
        List<String> args = new ArrayList<>(driverFlags);
        args.addAll(List.of("org.apache.spark.deploy.SparkSubmit", "--master", master, "--deploy-mode", "client",
                "--conf", "spark.driver.host=127.0.0.1"));
        args.addAll(submitArgs);
        args.addAll(appArgs);
        return launch(name, args);
    }

    /** Starts a JVM on the cluster's Spark jars: {@code flagsMainAndArgs} may begin with JVM flags. */
    private Daemon launch(String name, List<String> flagsMainAndArgs) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(jvmOptions);
        command.add("-Xmx1g");
        command.add("-cp");
        command.add(classpath);
        command.addAll(flagsMainAndArgs);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Path log = home.resolve(name + ".log");
        Files.deleteIfExists(log);
        builder.redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("SPARK_HOME", sparkHome.toAbsolutePath().toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_LOCAL_DIRS", Files.createDirectories(home.resolve("local")).toString());
        env.put("OPENBLAS_NUM_THREADS", "1");
        Daemon daemon = new Daemon(name, builder.start(), log);
        started.add(daemon);
        return daemon;
    }

    /** A port nobody listens on now. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private void stopAll() {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).kill();
        }
    }

    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or has run: nothing left to do.
        }
    }

    /** The jar paths listed in a classpath file (entries separated by the path separator). */
    public static List<Path> readClasspath(Path file) {
        try {
            String text = Files.readString(file).trim();
            List<Path> jars = new ArrayList<>();
            for (String entry : text.split(java.io.File.pathSeparator)) {
                if (!entry.isBlank()) {
                    jars.add(Path.of(entry));
                }
            }
            return jars;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the classpath file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Removes a folder and everything in it; symbolic links are removed, never followed. */
    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(walk.toList());
            java.util.Collections.reverse(all);
            for (Path p : all) {
                Files.delete(p);
            }
        }
    }

    /** The flags of a {@code jvm.options} file: one per line, {@code #} comments skipped. */
    public static List<String> readJvmOptions(Path file) {
        try {
            return Files.readAllLines(file).stream().map(String::trim)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
