package dev.kiln.testing.hdfs;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;

/**
 * A real HDFS for integration tests: Hadoop's {@code MiniDFSCluster} (one namenode, one datanode) in its own JVM on
 * 127.0.0.1, run by {@code dev.kiln.testing.hdfs.minicluster.MiniDfsMain} of the {@code testing/hdfs-minicluster}
 * module.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Start.</b> {@link #start(Path)} runs {@code java -Xmx512m … -cp <launcher jar>:<its classpath>
 *       MiniDfsMain <workDir>/dfs}. The cluster binds every socket (namenode RPC and HTTP, datanode transfer, IPC and
 *       HTTP) to 127.0.0.1 on ports the operating system picks, so no port is chosen here and none can be taken in
 *       between. It returns once the launcher prints {@code READY hdfs://127.0.0.1:<port>} (the namenode is out of
 *       safe mode and the datanode has registered), at most {@link #STARTUP_TIMEOUT}; a launcher that exits or
 *       does not get ready fails the start with the tail of its log, and is stopped.</li>
 *   <li><b>Files.</b> Under {@code workDir}: {@code minicluster.log} (stdout and stderr: Hadoop at WARN, the
 *       cluster's start and stop lines, the launcher's {@code DATANODE}/{@code READY}/{@code STOPPED} lines) and
 *       {@code dfs/} (the namenode's and the datanode's directories). They are kept after {@link #close()}.</li>
 *   <li><b>Clients.</b> {@link #uri(String)} names a path in it; {@link #sparkConf()} holds the
 *       {@code spark.hadoop.*} settings a client should use (replication 1, few connection retries);
 *       {@link #hadoopConf()} the same as a Hadoop {@link Configuration}. Spark's own shaded HDFS client
 *       (hadoop-client-api/runtime) talks to it: datanodes are reached by the IP address they register with,
 *       127.0.0.1, so {@code dfs.client.use.datanode.hostname} can stay false.</li>
 *   <li><b>Stop.</b> {@link #close()} (idempotent) closes the launcher's standard input, on which it shuts the
 *       cluster down and exits; after {@link #STOP_GRACE} it is sent SIGTERM, then SIGKILL. A shutdown hook
 *       registered at start does the same if the test JVM exits first, and a test JVM that is killed outright closes
 *       the pipe anyway: the cluster never outlives its test.</li>
 *   <li><b>The launcher.</b> {@link #locateLauncher()}: the directory named by the system property
 *       {@value #DIR_PROPERTY} (failsafe sets it to {@code testing/hdfs-minicluster/target}), else that directory
 *       relative to the working directory or its parent (IDE runs after one {@code mvn verify}). It holds
 *       {@code kiln-hdfs-minicluster.jar} and {@code classpath.txt} (hadoop-minicluster's jars, as paths into the
 *       local Maven repository). None of those jars is ever on the test classpath: they are unshaded Hadoop server
 *       jars with their own Guava, Jetty, Jersey and Netty.</li>
 * </ul>
 *
 * <pre>{@code
 * try (HdfsMiniCluster hdfs = HdfsMiniCluster.start(tempDir)) {
 *   String warehouse = hdfs.uri("/kiln");          // hdfs://127.0.0.1:<port>/kiln
 *   hdfs.sparkConf().forEach(builder::config);
 * }
 * }</pre>
 */
public final class HdfsMiniCluster implements AutoCloseable {

  /** The system property that names the directory with the launcher jar and its classpath file. */
  public static final String DIR_PROPERTY = "kiln.hdfsMiniClusterDir";
  public static final String LAUNCHER_JAR = "kiln-hdfs-minicluster.jar";
  public static final String CLASSPATH_FILE = "classpath.txt";
  public static final String MAIN_CLASS = "dev.kiln.testing.hdfs.minicluster.MiniDfsMain";
  /** The minicluster starts in about 5 s alone; a 2-core machine shared with other builds can take far longer. */
  public static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
  public static final Duration STOP_GRACE = Duration.ofSeconds(15);

  private static final String HOST = "127.0.0.1";
  private static final Pattern READY = Pattern.compile("^READY (hdfs://127\\.0\\.0\\.1:(\\d+))\\R", Pattern.MULTILINE);
  private static final Pattern DATANODE = Pattern.compile("^DATANODE (\\S+)\\R", Pattern.MULTILINE);
  private static final int LOG_TAIL_LINES = 40;

  private final Path workDir;
  private final Path log;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(this::stopProcess, "HdfsMiniCluster-shutdown");
  private Process process;
  private String uri;
  private int port;
  private String dataNode;

  /** Starts a cluster in {@code workDir} (created if missing) from the launcher {@link #locateLauncher()} finds. */
  public static HdfsMiniCluster start(Path workDir) {
    return start(locateLauncher(), workDir);
  }

  /** Starts a cluster in {@code workDir} from the launcher in {@code launcherDir}. */
  public static HdfsMiniCluster start(Path launcherDir, Path workDir) {
    return new HdfsMiniCluster(launcherDir, workDir);
  }

  private HdfsMiniCluster(Path launcherDir, Path workDir) {
    this.workDir = workDir.toAbsolutePath().normalize();
    this.log = this.workDir.resolve("minicluster.log");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    try {
      Files.createDirectories(this.workDir);
      launch(launcherDir.toAbsolutePath().normalize());
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot start the HDFS minicluster in " + this.workDir, e);
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  /** The directory with the launcher jar and its classpath file: see the class contract. */
  public static Path locateLauncher() {
    String property = System.getProperty(DIR_PROPERTY);
    if (property != null && !property.isBlank()) {
      Path dir = Path.of(property);
      if (!isLauncherDir(dir)) {
        throw new IllegalStateException("-D" + DIR_PROPERTY + " names " + dir + ", which holds no " + LAUNCHER_JAR
            + " and " + CLASSPATH_FILE + " (the testing/hdfs-minicluster module writes them in its package phase: "
            + "run `mvn -B verify -pl jobs -am`, which builds that module first)");
      }
      return dir.toAbsolutePath().normalize();
    }
    for (Path dir : List.of(Path.of("testing", "hdfs-minicluster", "target"),
        Path.of("..", "testing", "hdfs-minicluster", "target"))) {
      if (isLauncherDir(dir)) {
        return dir.toAbsolutePath().normalize();
      }
    }
    throw new IllegalStateException("HDFS minicluster launcher not found: set -D" + DIR_PROPERTY + "=<path of "
        + "testing/hdfs-minicluster/target>, or run `mvn -B verify -pl jobs -am` once (it builds "
        + "testing/hdfs-minicluster/target/" + LAUNCHER_JAR + " and " + CLASSPATH_FILE + ")");
  }

  private static boolean isLauncherDir(Path dir) {
    return Files.isRegularFile(dir.resolve(LAUNCHER_JAR)) && Files.isRegularFile(dir.resolve(CLASSPATH_FILE));
  }

  // ------------------------------------------------------------------------------------------ start

  private void launch(Path launcherDir) throws IOException {
    String dependencies = Files.readString(launcherDir.resolve(CLASSPATH_FILE), StandardCharsets.UTF_8).strip();
    // The launcher jar first: its log4j configuration and main class, then hadoop-minicluster's jars.
    String classpath = launcherDir.resolve(LAUNCHER_JAR) + java.io.File.pathSeparator + dependencies;
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        // A small server: the serial collector and C1 spare the cores of a small machine for Spark.
        "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Djava.net.preferIPv4Stack=true",
        // Hadoop's test jars carry a log4j.properties at INFO: name the launcher's own (WARN).
        "-Dlog4j.configuration=kiln-hdfs-minicluster-log4j.properties"));
    String java17Flags = System.getProperty("kiln.java17.flags", "");
    if (!java17Flags.isBlank()) {
      command.addAll(Arrays.asList(java17Flags.trim().split("\\s+")));
    }
    command.addAll(List.of("-cp", classpath, MAIN_CLASS, workDir.resolve("dfs").toString()));

    int jars = dependencies.isEmpty() ? 0 : dependencies.split(java.io.File.pathSeparator).length;
    String shown = String.join(" ", command).replace(classpath,
        launcherDir.resolve(LAUNCHER_JAR) + ":<" + jars + " jars of " + launcherDir.resolve(CLASSPATH_FILE) + ">");
    Files.writeString(log, "# " + shown + "\n", StandardCharsets.UTF_8);
    process = new ProcessBuilder(command)
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.PIPE) // its end is the launcher's signal to stop
        .start();
    awaitReady();
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (true) {
      String text = readLog();
      Matcher ready = READY.matcher(text);
      if (ready.find()) {
        uri = ready.group(1);
        port = Integer.parseInt(ready.group(2));
        Matcher dn = DATANODE.matcher(text);
        dataNode = dn.find() ? dn.group(1) : "?";
        return;
      }
      if (!process.isAlive()) {
        throw failure("exited with " + process.exitValue());
      }
      if (System.nanoTime() > deadline) {
        throw failure("not ready within " + STARTUP_TIMEOUT.toSeconds() + " s");
      }
      sleep(200);
    }
  }

  private IllegalStateException failure(String why) {
    stopProcess();
    return new IllegalStateException("the HDFS minicluster did not start (" + why + "); " + log + ":\n" + logTail());
  }

  // ------------------------------------------------------------------------------------------ access

  /** {@code hdfs://127.0.0.1:<namenode port>}. */
  public String uri() {
    return uri;
  }

  /** {@code hdfs://127.0.0.1:<port>/<path>}. */
  public String uri(String path) {
    return uri + "/" + (path.startsWith("/") ? path.substring(1) : path);
  }

  public int port() {
    return port;
  }

  /** The datanode's data transfer address as it reported it, {@code 127.0.0.1:<port>}. */
  public String dataNode() {
    return dataNode;
  }

  /** Where the namenode and the datanode keep their directories. */
  public Path dataDir() {
    return workDir.resolve("dfs");
  }

  /**
   * The Spark settings for a client of this cluster: replication 1 (there is one datanode; with the default 3 every
   * block is under-replicated) and two connection retries instead of ten, so a test whose cluster died fails in
   * seconds. Nothing else is needed: the namenode is named by the URI. In insertion order.
   */
  public Map<String, String> sparkConf() {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.hadoop.dfs.replication", "1");
    conf.put("spark.hadoop.ipc.client.connect.max.retries", "2");
    return conf;
  }

  /** {@link #sparkConf()} as a Hadoop configuration, for reading the cluster through the FileSystem API. */
  public Configuration hadoopConf() {
    Configuration conf = new Configuration();
    sparkConf().forEach((key, value) -> conf.set(key.substring("spark.hadoop.".length()), value));
    return conf;
  }

  /** The last lines of the launcher's log. */
  public String logTail() {
    String text = readLog();
    if (text.isEmpty()) {
      return "(empty log)";
    }
    List<String> lines = text.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
  }

  private String readLog() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return "";
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  // ------------------------------------------------------------------------------------------ stop

  /** Stops the cluster: end of input, then SIGTERM and SIGKILL if it lingers. Idempotent. Files are kept. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    stopProcess();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shutdownInProgress) {
      // the hook runs anyway, harmlessly
    }
  }

  private synchronized void stopProcess() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    try (OutputStream in = p.getOutputStream()) {
      in.flush();
    } catch (IOException alreadyClosed) {
      // then the launcher has its end of input already
    }
    try {
      if (!p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the HDFS minicluster", e);
    }
  }

  @Override
  public String toString() {
    return "HdfsMiniCluster[" + uri + ", datanode " + dataNode + ", " + workDir + "]";
  }
}
