package dev.kiln.testing.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Apache Spark standalone cluster (one Master, N Workers, each its own JVM) built from plain
 * Maven jars, for JUnit 5 integration tests. Only the JDK is used; no Spark distribution is needed.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Start.</b> {@link #start(Path, Path, int, String)} (or {@link #builder(Path, Path)}) creates
 *       {@code <workDir>/spark-home} whose {@code jars} entry is a <em>symlink</em> to {@code sparkJarsDir}
 *       (nothing is copied), then launches a Master and {@code workers} Workers as separate {@code java}
 *       processes ({@code java -Xmx512m <flags> -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy...}),
 *       all bound to {@code 127.0.0.1} on free ports chosen at start (7077/8080/8081 are never assumed).
 *       It returns only once the Master's web UI JSON ({@code /json/}) reports {@code workers} ALIVE
 *       workers, or throws {@link IllegalStateException} (carrying the tail of every log) after the
 *       startup timeout (default 90 s) or as soon as any cluster process dies; on failure everything
 *       already started is stopped.</li>
 *   <li><b>Environment.</b> Every process (Master, Workers, drivers, and through the Workers the executors)
 *       gets {@code SPARK_HOME}, {@code SPARK_SCALA_VERSION=2.12}, {@code SPARK_LOCAL_IP=127.0.0.1},
 *       {@code SPARK_LOCAL_DIRS=<workDir>/local} and {@code JAVA_HOME} of the current JVM; every
 *       {@code SPARK_*} variable inherited from the calling environment is removed first so the cluster
 *       is hermetic. Without {@code SPARK_SCALA_VERSION} executors fail with
 *       "Cannot find any build directories".</li>
 *   <li><b>Files.</b> Under {@code workDir}: {@code spark-home/}, {@code logs/} (one file per process,
 *       stdout and stderr merged: {@code master.log}, {@code worker-<i>.log}, {@code submit-<n>.log}),
 *       {@code worker-<i>/} (each Worker's {@code --work-dir}, where it puts {@code app-*}/{@code <executorId>}/
 *       with the executor's {@code stdout}/{@code stderr}) and {@code local/}. These entries are deleted at
 *       start if a previous run left them; nothing else in {@code workDir} is touched. They are kept after
 *       {@link #close()} for post-mortems.</li>
 *   <li><b>Submit.</b> {@link #submit} runs {@code org.apache.spark.deploy.SparkSubmit} in client deploy
 *       mode as a separate process and waits for it, bounded by a timeout after which the driver (and its
 *       descendants) is destroyed and the result says {@link SubmitResult#timedOut()}.
 *       Submissions may run concurrently, but the cluster only has {@code workers} cores.</li>
 *   <li><b>Executors.</b> {@link #executorDirectories()} lists the executor working directories the
 *       Workers created; {@link ExecutorDirectory#stderr()} reads an executor's log, so a test can prove
 *       which executor JVMs ran tasks ("Running task", "Finished task").</li>
 *   <li><b>Stop.</b> {@link #close()} is idempotent and thread-safe: it stops running submissions, Workers
 *       and then the Master, each together with all its descendant processes (executors), with
 *       {@code destroy()} (SIGTERM) then, after a grace period (default 10 s), {@code destroyForcibly()}.
 *       The same close runs from a JVM shutdown hook registered at start, so a test JVM that exits
 *       without closing leaves no Spark JVM behind (a JVM killed with SIGKILL runs no hooks: nothing
 *       can help then).</li>
 * </ul>
 *
 * <p>Sizing: defaults are 2 Workers of {@code --cores 1 --memory 1g}, daemons and drivers with
 * {@code -Xmx512m}, executors {@code --executor-memory 512m --executor-cores 1} and
 * {@code --total-executor-cores <workers>}, i.e. one single-core executor per Worker.
 *
 * <p>Example:
 * <pre>{@code
 * try (StandaloneSparkCluster cluster = StandaloneSparkCluster.start(jars, workDir, 2, flags)) {
 *     SubmitResult r = cluster.submit(appJar, "com.example.Main", List.of("spark.ui.enabled=false"),
 *             List.of(), Duration.ofMinutes(3));
 *     assertEquals(0, r.exitCode(), r.output());
 * }
 * }</pre>
 */
public final class StandaloneSparkCluster implements AutoCloseable {

    /** The Java 17 flags every Spark 3.5 JVM needs (see the project's STACK.md). */
    public static final String DEFAULT_JAVA17_FLAGS = String.join(" ",
            "-XX:+IgnoreUnrecognizedVMOptions",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
            "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
            "-Djdk.reflect.useDirectMethodHandle=false",
            "-Dio.netty.tryReflectionSetAccessible=true");

    private static final String HOST = "127.0.0.1";
    private static final int LOG_TAIL_LINES = 40;
    private static final Pattern ALIVE_WORKERS = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");
    private static final Pattern WORKER_ALIVE_STATE = Pattern.compile("\"state\"\\s*:\\s*\"ALIVE\"");
    /** {@code <artifactId>-<version>[-<classifier>].jar}: a version starts with a digit. */
    private static final Pattern JAR_NAME = Pattern.compile("(.+?)-(\\d[^-]*)(-.+)?\\.jar");
    private static final Pattern APP_ID = Pattern.compile("app ID (app-[0-9]+-[0-9]+)");

    private final Builder config;
    private final Path workDir;
    private final Path sparkHome;
    private final Path logDir;
    private final List<Path> workerWorkDirs = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final List<String> javaFlags;
    private final Set<Integer> usedPorts = new HashSet<>();
    private final List<ManagedProcess> daemons = new CopyOnWriteArrayList<>();
    private final List<ManagedProcess> submissions = new CopyOnWriteArrayList<>();
    private final AtomicInteger submitCounter = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private final HttpClient http;
    private int masterPort;
    private int masterWebUiPort;

    // ------------------------------------------------------------------------------------------ start

    /**
     * Starts a cluster with {@code workers} Workers of 1 core / 1g each and waits until all are ALIVE.
     *
     * @param sparkJarsDir directory holding Spark and all its runtime jars (e.g. from
     *                     {@code dependency:copy-dependencies}); symlinked, never copied
     * @param workDir      directory for SPARK_HOME, logs and worker dirs (created if missing)
     * @param workers      number of Worker JVMs (at least 1)
     * @param java17Flags  whitespace-separated JVM flags for every Spark JVM
     *                     (null means {@link #DEFAULT_JAVA17_FLAGS})
     * @return the running cluster; close it
     * @throws IllegalStateException if the cluster does not come up in time (message has the log tails)
     */
    public static StandaloneSparkCluster start(Path sparkJarsDir, Path workDir, int workers, String java17Flags) {
        return builder(sparkJarsDir, workDir).workers(workers).javaFlags(java17Flags).start();
    }

    /** A builder for a cluster with non-default sizing or timeouts. */
    public static Builder builder(Path sparkJarsDir, Path workDir) {
        return new Builder(sparkJarsDir, workDir);
    }

    /** Settings for {@link StandaloneSparkCluster}; every setter has a sensible default. */
    public static final class Builder {
        private final Path sparkJarsDir;
        private final Path workDir;
        private int workers = 2;
        private int workerCores = 1;
        private String workerMemory = "1g";
        private String daemonHeap = "512m";
        private String driverHeap = "512m";
        private String executorMemory = "512m";
        private int executorCores = 1;
        private String javaFlags = DEFAULT_JAVA17_FLAGS;
        private Duration startupTimeout = Duration.ofSeconds(90);
        private Duration stopGracePeriod = Duration.ofSeconds(10);
        private final Map<String, String> extraEnv = new LinkedHashMap<>();

        private Builder(Path sparkJarsDir, Path workDir) {
            this.sparkJarsDir = Objects.requireNonNull(sparkJarsDir, "sparkJarsDir").toAbsolutePath().normalize();
            this.workDir = Objects.requireNonNull(workDir, "workDir").toAbsolutePath().normalize();
        }

        /** Number of Worker JVMs (default 2). */
        public Builder workers(int workers) {
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be >= 1: " + workers);
            }
            this.workers = workers;
            return this;
        }

        /** {@code --cores} of each Worker (default 1). */
        public Builder workerCores(int cores) {
            this.workerCores = cores;
            return this;
        }

        /** {@code --memory} of each Worker, e.g. "1g" (default). */
        public Builder workerMemory(String memory) {
            this.workerMemory = Objects.requireNonNull(memory);
            return this;
        }

        /** {@code -Xmx} of the Master and Worker JVMs (default "512m"). */
        public Builder daemonHeap(String heap) {
            this.daemonHeap = Objects.requireNonNull(heap);
            return this;
        }

        /** {@code -Xmx} of each driver (SparkSubmit, client mode) JVM (default "512m"). */
        public Builder driverHeap(String heap) {
            this.driverHeap = Objects.requireNonNull(heap);
            return this;
        }

        /** {@code --executor-memory} of submissions (default "512m"). */
        public Builder executorMemory(String memory) {
            this.executorMemory = Objects.requireNonNull(memory);
            return this;
        }

        /** {@code --executor-cores} of submissions (default 1). */
        public Builder executorCores(int cores) {
            this.executorCores = cores;
            return this;
        }

        /** Whitespace-separated JVM flags for every Spark JVM; null means {@link #DEFAULT_JAVA17_FLAGS}. */
        public Builder javaFlags(String flags) {
            this.javaFlags = flags == null ? DEFAULT_JAVA17_FLAGS : flags;
            return this;
        }

        /** How long {@link #start()} waits for all Workers to be ALIVE (default 90 s). */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** How long {@link StandaloneSparkCluster#close()} waits after SIGTERM before killing (default 10 s). */
        public Builder stopGracePeriod(Duration grace) {
            this.stopGracePeriod = Objects.requireNonNull(grace);
            return this;
        }

        /** An extra environment variable for every cluster process (e.g. {@code SPARK_WORKER_OPTS}). */
        public Builder env(String name, String value) {
            this.extraEnv.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
            return this;
        }

        /** Starts the cluster; see the class contract. */
        public StandaloneSparkCluster start() {
            return new StandaloneSparkCluster(this);
        }
    }

    private StandaloneSparkCluster(Builder config) {
        this.config = config;
        this.workDir = config.workDir;
        this.sparkHome = workDir.resolve("spark-home");
        this.logDir = workDir.resolve("logs");
        this.javaFlags = splitFlags(config.javaFlags);
        this.http = HttpClient.newBuilder()
                .proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        this.shutdownHook = new Thread(this::closeQuietly, "StandaloneSparkCluster-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            prepareDirectories();
            prepareEnvironment();
            startMaster();
            startWorkers();
        } catch (RuntimeException | Error e) {
            closeQuietly();
            throw e;
        }
    }

    private void prepareDirectories() {
        if (!Files.isDirectory(config.sparkJarsDir)) {
            throw new IllegalArgumentException("sparkJarsDir is not a directory: " + config.sparkJarsDir);
        }
        checkJars(config.sparkJarsDir);
        try {
            Files.createDirectories(workDir);
            deleteRecursively(sparkHome);
            deleteRecursively(logDir);
            deleteRecursively(workDir.resolve("local"));
            try (DirectoryStream<Path> old = Files.newDirectoryStream(workDir, "worker-*")) {
                for (Path p : old) {
                    deleteRecursively(p);
                }
            }
            Files.createDirectories(sparkHome);
            Files.createSymbolicLink(sparkHome.resolve("jars"), config.sparkJarsDir);
            Files.createDirectories(sparkHome.resolve("conf"));
            Files.createDirectories(logDir);
            Files.createDirectories(workDir.resolve("local"));
            for (int i = 1; i <= config.workers; i++) {
                workerWorkDirs.add(Files.createDirectories(workDir.resolve("worker-" + i)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + workDir, e);
        }
    }

    /**
     * Fails early on jar sets that start a cluster which then misbehaves quietly: no spark-core, two versions
     * of one artifact (a stale copy-dependencies output: {@code jars/*} order is unspecified), or SLF4J 1.x
     * next to Spark's SLF4J 2 log4j provider (every Spark JVM would then log nothing, executors included).
     */
    static void checkJars(Path jarsDir) {
        List<String> names;
        try (Stream<Path> s = Files.list(jarsDir)) {
            names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (names.stream().noneMatch(n -> n.startsWith("spark-core_"))) {
            throw new IllegalArgumentException("no spark-core_*.jar in " + jarsDir);
        }
        // artifactId -> version -> jar names (classifier variants of one version, e.g. netty natives, are fine)
        Map<String, Map<String, List<String>>> byArtifact = new LinkedHashMap<>();
        for (String n : names) {
            Matcher m = JAR_NAME.matcher(n);
            if (m.matches()) {
                byArtifact.computeIfAbsent(m.group(1), k -> new LinkedHashMap<>())
                        .computeIfAbsent(m.group(2), k -> new ArrayList<>()).add(n);
            }
        }
        List<String> duplicates = byArtifact.values().stream().filter(versions -> versions.size() > 1)
                .map(versions -> versions.values().stream().flatMap(List::stream).collect(Collectors.toList()))
                .map(Object::toString).collect(Collectors.toList());
        if (!duplicates.isEmpty()) {
            throw new IllegalArgumentException("several versions of the same artifact in " + jarsDir + " "
                    + duplicates + " (stale output? rebuild it from scratch, e.g. mvn clean)");
        }
        boolean slf4j1 = names.stream().anyMatch(n -> n.startsWith("slf4j-api-1."));
        boolean slf4j2Provider = names.stream().anyMatch(n -> n.startsWith("log4j-slf4j2-impl-"));
        if (slf4j1 && slf4j2Provider) {
            throw new IllegalArgumentException("slf4j-api 1.x in " + jarsDir + " next to log4j-slf4j2-impl: "
                    + "all Spark logging would go to SLF4J's NOP logger. Pin org.slf4j:slf4j-api to Spark's "
                    + "version (2.0.7 for Spark 3.5.7) in dependencyManagement.");
        }
    }

    private void prepareEnvironment() {
        environment.put("SPARK_HOME", sparkHome.toString());
        environment.put("SPARK_SCALA_VERSION", "2.12");
        environment.put("SPARK_LOCAL_IP", HOST);
        environment.put("SPARK_LOCAL_DIRS", workDir.resolve("local").toString());
        environment.put("SPARK_CONF_DIR", sparkHome.resolve("conf").toString());
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        environment.putAll(config.extraEnv);
    }

    private void startMaster() {
        masterPort = freePort();
        masterWebUiPort = freePort();
        List<String> cmd = javaCommand(config.daemonHeap);
        cmd.addAll(List.of("org.apache.spark.deploy.master.Master",
                "--host", HOST, "--port", String.valueOf(masterPort),
                "--webui-port", String.valueOf(masterWebUiPort)));
        daemons.add(launch("master", cmd, logDir.resolve("master.log")));
        // Workers that start before the Master listens back off for 5-15 s; wait for the Master first.
        // The web UI binds in Master.onStart, after the RPC endpoint is listening.
        awaitCondition("the Master web UI at " + masterWebUiUrl(), json -> true);
    }

    private void startWorkers() {
        for (int i = 1; i <= config.workers; i++) {
            List<String> cmd = javaCommand(config.daemonHeap);
            cmd.addAll(List.of("org.apache.spark.deploy.worker.Worker",
                    "--host", HOST,
                    "--cores", String.valueOf(config.workerCores),
                    "--memory", config.workerMemory,
                    "--webui-port", String.valueOf(freePort()),
                    "--work-dir", workerWorkDirs.get(i - 1).toString(),
                    masterUrl()));
            daemons.add(launch("worker-" + i, cmd, logDir.resolve("worker-" + i + ".log")));
        }
        awaitCondition(config.workers + " ALIVE workers", json -> aliveWorkers(json) >= config.workers);
    }

    /** Polls the Master's /json/ until {@code ready} holds; fails fast if a cluster process dies. */
    private void awaitCondition(String what, java.util.function.Predicate<String> ready) {
        long deadline = System.nanoTime() + config.startupTimeout.toNanos();
        String lastJson = null;
        String lastError = null;
        while (System.nanoTime() < deadline) {
            for (ManagedProcess p : daemons) {
                if (!p.process.isAlive()) {
                    throw new IllegalStateException("Spark " + p.name + " exited with code "
                            + p.process.exitValue() + " while waiting for " + what + "\n" + logTails());
                }
            }
            try {
                lastJson = masterJson();
                lastError = null;
                if (ready.test(lastJson)) {
                    return;
                }
            } catch (IOException e) {
                lastError = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
            sleep(500);
        }
        throw new IllegalStateException("Timed out after " + config.startupTimeout.toSeconds() + " s waiting for "
                + what + " (master " + masterUrl() + ", web UI " + masterWebUiUrl() + ")"
                + (lastError != null ? "\nlast error: " + lastError : "")
                + (lastJson != null ? "\nlast /json/: " + lastJson : "")
                + "\n" + logTails());
    }

    // ------------------------------------------------------------------------------------ accessors

    /** The Master URL, {@code spark://127.0.0.1:<port>}. */
    public String masterUrl() {
        return "spark://" + HOST + ":" + masterPort;
    }

    /** The Master web UI, {@code http://127.0.0.1:<port>}. */
    public URI masterWebUiUrl() {
        return URI.create("http://" + HOST + ":" + masterWebUiPort);
    }

    /** The generated SPARK_HOME (its {@code jars} is a symlink to the jars directory). */
    public Path sparkHome() {
        return sparkHome;
    }

    /** The directory holding one log file per process. */
    public Path logDirectory() {
        return logDir;
    }

    /** Each Worker's {@code --work-dir}, in Worker order. */
    public List<Path> workerWorkDirectories() {
        return Collections.unmodifiableList(workerWorkDirs);
    }

    /** Number of Workers (also the {@code --total-executor-cores} of submissions). */
    public int workerCount() {
        return config.workers;
    }

    /** Environment variables given to every cluster process. */
    public Map<String, String> environment() {
        return Collections.unmodifiableMap(environment);
    }

    /**
     * The Master's {@code /json/} state right now (workers, apps, ...).
     *
     * @throws IOException if the Master does not answer
     */
    public String masterJson() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(masterWebUiUrl().resolve("/json/"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + " from " + request.uri());
        }
        return response.body();
    }

    /** ALIVE workers in a Master {@code /json/} document: its "aliveworkers", else count of "state":"ALIVE". */
    static int aliveWorkers(String masterJson) {
        Matcher m = ALIVE_WORKERS.matcher(masterJson);
        if (m.find()) {
            return Integer.parseInt(m.group(1));
        }
        // Only worker entries carry "state" : "ALIVE" (the master's own is "status", apps are RUNNING/...).
        return (int) WORKER_ALIVE_STATE.matcher(masterJson).results().count();
    }

    // ---------------------------------------------------------------------------------------- submit

    /** The outcome of one {@link #submit}. */
    public record SubmitResult(int exitCode, boolean timedOut, String output, Duration elapsed, Path logFile) {

        /** True when the driver exited by itself with code 0. */
        public boolean succeeded() {
            return !timedOut && exitCode == 0;
        }

        /** The application id the driver logged ("Connected to Spark cluster with app ID app-..."), if any. */
        public Optional<String> applicationId() {
            Matcher m = APP_ID.matcher(output);
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        }
    }

    /**
     * Runs an application on the cluster with {@code SparkSubmit} in client deploy mode, as a separate driver
     * JVM, and waits for it:
     * {@code java -Xmx<driverHeap> <flags> -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit
     * --master spark://127.0.0.1:<port> --deploy-mode client --executor-memory 512m --executor-cores 1
     * --total-executor-cores <workers> --conf spark.driver.host=127.0.0.1 [--conf k=v]... --class <mainClass>
     * <appJar> <appArgs>...}.
     *
     * @param appJar    the application jar (shipped to executors by the driver)
     * @param mainClass the application's main class
     * @param sparkConf extra {@code key=value} Spark settings, each passed as {@code --conf key=value}
     * @param appArgs   arguments for the main class
     * @param timeout   upper bound; on expiry the driver and its descendants are destroyed
     * @return exit code (-1 if timed out), whether it timed out, and the driver's stdout+stderr
     */
    public SubmitResult submit(Path appJar, String mainClass, List<String> sparkConf, List<String> appArgs,
                               Duration timeout) {
        if (closed.get()) {
            throw new IllegalStateException("cluster is closed");
        }
        Objects.requireNonNull(mainClass, "mainClass");
        Objects.requireNonNull(timeout, "timeout");
        Path jar = appJar.toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("application jar not found: " + jar);
        }
        List<String> cmd = javaCommand(config.driverHeap);
        cmd.addAll(List.of("org.apache.spark.deploy.SparkSubmit",
                "--master", masterUrl(),
                "--deploy-mode", "client",
                "--executor-memory", config.executorMemory,
                "--executor-cores", String.valueOf(config.executorCores),
                "--total-executor-cores", String.valueOf(config.workers * config.workerCores),
                "--conf", "spark.driver.host=" + HOST));
        for (String kv : sparkConf == null ? List.<String>of() : sparkConf) {
            if (kv.indexOf('=') <= 0) {
                throw new IllegalArgumentException("spark conf must be key=value: " + kv);
            }
            cmd.add("--conf");
            cmd.add(kv);
        }
        cmd.addAll(List.of("--class", mainClass, jar.toString()));
        cmd.addAll(appArgs == null ? List.of() : appArgs);

        int n = submitCounter.incrementAndGet();
        Path log = logDir.resolve("submit-" + n + ".log");
        long startNanos = System.nanoTime();
        ManagedProcess driver = launch("submit-" + n, cmd, log);
        submissions.add(driver);
        try {
            boolean finished = driver.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                stop(driver);
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
            int exit = finished ? driver.process.exitValue() : -1;
            return new SubmitResult(exit, !finished, readString(log), elapsed, log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(driver);
            throw new IllegalStateException("interrupted while waiting for " + mainClass, e);
        } finally {
            submissions.remove(driver);
        }
    }

    // ------------------------------------------------------------------------------------- executors

    /**
     * One executor's working directory, {@code <workerWorkDir>/<appId>/<executorId>/}, which holds the
     * executor's {@code stdout} and {@code stderr} (written by the Worker) and the files it fetched.
     */
    public record ExecutorDirectory(int worker, String appId, String executorId, Path path) {

        /** The executor's stderr (Spark's log4j console output, e.g. "Running task 0.0 in stage ..."). */
        public String stderr() {
            return readString(path.resolve("stderr"));
        }

        /** The executor's stdout. */
        public String stdout() {
            return readString(path.resolve("stdout"));
        }

        /** How many "Finished task" lines the executor logged. */
        public long finishedTasks() {
            return stderr().lines().filter(l -> l.contains("Finished task")).count();
        }
    }

    /**
     * All executor directories every Worker has created so far, sorted by worker, app id, executor id.
     * Empty if no application has run yet.
     */
    public List<ExecutorDirectory> executorDirectories() {
        List<ExecutorDirectory> result = new ArrayList<>();
        for (int i = 0; i < workerWorkDirs.size(); i++) {
            try (DirectoryStream<Path> apps = Files.newDirectoryStream(workerWorkDirs.get(i), "app-*")) {
                for (Path app : apps) {
                    if (!Files.isDirectory(app)) {
                        continue;
                    }
                    try (DirectoryStream<Path> executors = Files.newDirectoryStream(app, Files::isDirectory)) {
                        for (Path executor : executors) {
                            result.add(new ExecutorDirectory(i + 1, app.getFileName().toString(),
                                    executor.getFileName().toString(), executor));
                        }
                    }
                }
            } catch (NoSuchFileException e) {
                // worker dir removed under us: nothing to list
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        result.sort(Comparator.comparingInt(ExecutorDirectory::worker)
                .thenComparing(ExecutorDirectory::appId)
                .thenComparing(ExecutorDirectory::executorId));
        return result;
    }

    /** The executor directories of one application (see {@link SubmitResult#applicationId()}). */
    public List<ExecutorDirectory> executorDirectories(String appId) {
        return executorDirectories().stream().filter(d -> d.appId().equals(appId)).collect(Collectors.toList());
    }

    // ------------------------------------------------------------------------------------ diagnostics

    /** The last lines of every process log and every executor stderr, for failure messages. */
    public String logTails() {
        StringBuilder sb = new StringBuilder();
        List<Path> logs = new ArrayList<>();
        try (Stream<Path> s = Files.list(logDir)) {
            s.sorted().forEach(logs::add);
        } catch (IOException e) {
            sb.append("(cannot list ").append(logDir).append(": ").append(e).append(")\n");
        }
        for (ExecutorDirectory d : safeExecutorDirectories()) {
            logs.add(d.path().resolve("stderr"));
        }
        for (Path log : logs) {
            List<String> lines = readString(log).lines().collect(Collectors.toList());
            sb.append("===== ").append(log).append(" (last ").append(Math.min(LOG_TAIL_LINES, lines.size()))
                    .append(" of ").append(lines.size()).append(" lines) =====\n");
            lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())
                    .forEach(l -> sb.append(l).append('\n'));
        }
        return sb.toString();
    }

    private List<ExecutorDirectory> safeExecutorDirectories() {
        try {
            return executorDirectories();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    // ------------------------------------------------------------------------------------------ close

    /**
     * Stops running submissions, the Workers (with their executors) and the Master: SIGTERM to each process
     * and all its descendants, then SIGKILL to whatever is left after the grace period. Idempotent; also
     * run by the shutdown hook registered at start. Logs and work directories are kept.
     */
    @Override
    public void close() {
        closeQuietly();
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shutdownInProgress) {
                // the JVM is already exiting: the hook is running or will run, harmlessly (idempotent)
            }
        }
    }

    private void closeQuietly() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<ManagedProcess> order = new ArrayList<>(submissions);
        List<ManagedProcess> reversedDaemons = new ArrayList<>(daemons);
        Collections.reverse(reversedDaemons); // workers (newest first), then the master
        order.addAll(reversedDaemons);
        stopAll(order);
    }

    private void stop(ManagedProcess p) {
        stopAll(List.of(p));
    }

    /** SIGTERM every process and its descendants, wait up to the grace period, then SIGKILL survivors. */
    private void stopAll(List<ManagedProcess> processes) {
        // Collect descendants first: once a parent dies its children are re-parented and out of reach.
        List<ProcessHandle> all = new ArrayList<>();
        for (ManagedProcess p : processes) {
            ProcessHandle h = p.process.toHandle();
            all.addAll(h.descendants().collect(Collectors.toList()));
            all.add(h);
        }
        // Parents first, so a Worker gets to run its own shutdown hook that stops its executors.
        List<ProcessHandle> parentsFirst = new ArrayList<>(all);
        Collections.reverse(parentsFirst);
        parentsFirst.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + config.stopGracePeriod.toNanos();
        for (ProcessHandle h : all) {
            long remaining = deadline - System.nanoTime();
            if (remaining > 0 && h.isAlive()) {
                try {
                    h.onExit().get(remaining, TimeUnit.NANOSECONDS);
                } catch (Exception e) {
                    // timed out or interrupted: killed below
                }
            }
        }
        for (ProcessHandle h : all) {
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // nothing more we can do
            }
        }
    }

    // -------------------------------------------------------------------------------------- internals

    private record ManagedProcess(String name, Process process, Path log) {
    }

    private List<String> javaCommand(String heap) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        cmd.addAll(javaFlags);
        cmd.add("-cp");
        cmd.add(sparkHome.resolve("jars") + "/*"); // the JVM expands the wildcard itself; no shell involved
        return cmd;
    }

    private ManagedProcess launch(String name, List<String> command, Path log) {
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("SPARK_"));
        env.putAll(environment);
        try {
            // First line of every log: the exact command, for reproducing by hand.
            Files.writeString(log, "# " + String.join(" ", command) + "\n", StandardCharsets.UTF_8);
            return new ManagedProcess(name, pb.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /** A port free on 127.0.0.1 right now, and not handed out before by this cluster. */
    private synchronized int freePort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
                int port = s.getLocalPort();
                if (usedPorts.add(port)) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free port", e);
            }
        }
        throw new IllegalStateException("cannot find a fresh free port");
    }

    private static List<String> splitFlags(String flags) {
        return Arrays.stream(flags.trim().split("\\s+")).filter(s -> !s.isEmpty()).collect(Collectors.toList());
    }

    private static String readString(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        // walkFileTree does not follow symlinks: a symlinked jars/ is removed as a link, its target untouched.
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @Override
    public String toString() {
        return "StandaloneSparkCluster[" + masterUrl() + ", workers=" + config.workers + ", workDir=" + workDir + "]";
    }
}
