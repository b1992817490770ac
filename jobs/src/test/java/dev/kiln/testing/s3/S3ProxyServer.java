package dev.kiln.testing.s3;

import com.amazonaws.ClientConfiguration;
import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
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
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.conf.Configuration;

/**
 * A real S3-compatible server for integration tests: <a href="https://github.com/gaul/s3proxy">s3proxy</a> in its own
 * JVM on 127.0.0.1, storing objects in a directory ({@code jclouds.provider=filesystem}) and checking AWS v2/v4
 * signatures against a generated access key and secret.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Start.</b> {@link #start(Path)} writes {@code <workDir>/s3proxy.conf}, runs
 *       {@code java -Xmx256m -jar s3proxy-…-jar-with-dependencies.jar --properties s3proxy.conf} on a free port
 *       (another port is tried if the chosen one is taken before s3proxy binds it), waits until it answers HTTP
 *       (at most {@link #STARTUP_TIMEOUT}; the failure message carries the tail of its log), then creates the bucket
 *       with the AWS SDK v1 (path-style, region us-east-1). On any failure the process is stopped.</li>
 *   <li><b>Files.</b> Under {@code workDir}: {@code s3proxy.conf}, {@code s3proxy.log} (stdout and stderr),
 *       {@code data/<bucket>/…} (the objects, as files) and {@code s3a-buffer/} (S3A's upload buffer, see
 *       {@link #sparkConf()}). They are kept after {@link #close()}.</li>
 *   <li><b>Clients.</b> {@link #sparkConf()} holds the {@code spark.hadoop.fs.s3a.*} settings that reach it;
 *       {@link #hadoopConf()} the same settings as a Hadoop {@link Configuration}.</li>
 *   <li><b>Stop.</b> {@link #close()} (idempotent) sends SIGTERM, then SIGKILL after {@link #STOP_GRACE}; a shutdown
 *       hook registered at start does the same if the test JVM exits first.</li>
 *   <li><b>The jar.</b> {@link #locateJar()}: the system property {@value #JAR_PROPERTY} (failsafe sets it to the
 *       copy that {@code jobs/pom.xml} makes in {@code pre-integration-test}), else that copy under
 *       {@code target/s3proxy/} or {@code jobs/target/s3proxy/} of the working directory (for IDE runs after one
 *       {@code mvn verify}). It is never put on the test classpath: it bundles unshaded Guava, Jackson, logback and
 *       more.</li>
 * </ul>
 *
 * <pre>{@code
 * try (S3ProxyServer s3 = S3ProxyServer.start(tempDir)) {
 *   String warehouse = s3.uri("kiln");            // s3a://<bucket>/kiln
 *   s3.sparkConf().forEach(builder::config);
 * }
 * }</pre>
 */
public final class S3ProxyServer implements AutoCloseable {

  /** The system property that names the s3proxy jar-with-dependencies. */
  public static final String JAR_PROPERTY = "kiln.s3proxyJar";
  public static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration STOP_GRACE = Duration.ofSeconds(10);
  public static final String REGION = "us-east-1";

  private static final String HOST = "127.0.0.1";
  private static final int PORT_ATTEMPTS = 3;
  private static final int LOG_TAIL_LINES = 40;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  private final Path workDir;
  private final Path dataDir;
  private final Path bufferDir;
  private final Path log;
  private final String bucket;
  private final String accessKey;
  private final String secretKey;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(this::stopProcess, "S3ProxyServer-shutdown");
  private Process process;
  private int port;

  /** Starts a server in {@code workDir} (created if missing) with one bucket of a random name. */
  public static S3ProxyServer start(Path workDir) {
    return start(locateJar(), workDir, "kiln-" + random("abcdefghijklmnopqrstuvwxyz0123456789", 10));
  }

  /**
   * Starts a server from {@code jar} in {@code workDir} with one bucket. A fresh bucket name per server keeps
   * Hadoop's {@code FileSystem} cache, keyed by scheme and bucket, from handing out a client of an earlier server.
   */
  public static S3ProxyServer start(Path jar, Path workDir, String bucket) {
    return new S3ProxyServer(jar, workDir, bucket);
  }

  private S3ProxyServer(Path jar, Path workDir, String bucket) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException("s3proxy jar not found: " + jar);
    }
    this.workDir = workDir.toAbsolutePath().normalize();
    this.dataDir = this.workDir.resolve("data");
    this.bufferDir = this.workDir.resolve("s3a-buffer");
    this.log = this.workDir.resolve("s3proxy.log");
    this.bucket = bucket;
    this.accessKey = "KILN" + random(ALPHANUMERIC.substring(0, 26), 16);
    this.secretKey = random(ALPHANUMERIC, 40);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    try {
      Files.createDirectories(dataDir);
      Files.createDirectories(bufferDir);
      launch(jar.toAbsolutePath());
      createBucket(bucket);
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot start s3proxy in " + this.workDir, e);
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  /** The s3proxy jar: see the class contract. */
  public static Path locateJar() {
    String property = System.getProperty(JAR_PROPERTY);
    if (property != null && !property.isBlank()) {
      Path jar = Path.of(property);
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException("-D" + JAR_PROPERTY + " names " + jar + ", which does not exist (Maven copies "
            + "it there in the pre-integration-test phase: run the test with `mvn verify`, not `mvn test`)");
      }
      return jar;
    }
    for (Path dir : List.of(Path.of("target", "s3proxy"), Path.of("jobs", "target", "s3proxy"))) {
      if (Files.isDirectory(dir)) {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "s3proxy-*-jar-with-dependencies.jar")) {
          for (Path jar : jars) {
            return jar.toAbsolutePath();
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    throw new IllegalStateException("s3proxy jar not found: set -D" + JAR_PROPERTY + "=<path of "
        + "s3proxy-<version>-jar-with-dependencies.jar>, or run `mvn -B verify -pl jobs -am` once (it copies the jar "
        + "to jobs/target/s3proxy/)");
  }

  // ------------------------------------------------------------------------------------------ start

  private void launch(Path jar) throws IOException {
    for (int attempt = 1; ; attempt++) {
      port = freePort();
      Path properties = workDir.resolve("s3proxy.conf");
      Files.writeString(properties, String.join("\n",
          "s3proxy.endpoint=" + endpoint(),
          "s3proxy.authorization=aws-v2-or-v4",
          "s3proxy.identity=" + accessKey,
          "s3proxy.credential=" + secretKey,
          "jclouds.provider=filesystem",
          "jclouds.identity=kiln",
          "jclouds.credential=unused",
          "jclouds.filesystem.basedir=" + dataDir,
          ""), StandardCharsets.UTF_8);
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          // A small server: the serial collector and C1 spare the cores of a small machine for Spark.
          "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          // Without this, logback's own start-up report fills the log tail that a failure message shows.
          "-Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener",
          "-jar", jar.toString(), "--properties", properties.toString()));
      Files.writeString(log, "# " + String.join(" ", command) + "\n", StandardCharsets.UTF_8);
      ProcessBuilder builder = new ProcessBuilder(command)
          .directory(workDir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      builder.environment().put("LOG_LEVEL", "warn"); // read by the logback.xml inside the jar
      builder.environment().put("JETTY_LOG_LEVEL", "warn");
      process = builder.start();
      if (awaitAnswer()) {
        return;
      }
      String why = process.isAlive() ? "no answer within " + STARTUP_TIMEOUT.toSeconds() + " s"
          : "exited with " + process.exitValue();
      stopProcess();
      String tail = logTail();
      if (attempt < PORT_ATTEMPTS && tail.contains("Address already in use")) {
        continue; // the port was taken between choosing and binding it
      }
      throw new IllegalStateException("s3proxy did not start on " + endpoint() + " (" + why + "); " + log + ":\n"
          + tail);
    }
  }

  /** True once s3proxy answers any HTTP request; false if it exits or the startup timeout passes. */
  private boolean awaitAnswer() {
    HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
        .connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint() + "/")).timeout(Duration.ofSeconds(2))
        .GET().build();
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        return false;
      }
      try {
        http.send(request, HttpResponse.BodyHandlers.discarding());
        return true; // 403 for an anonymous request is an answer
      } catch (IOException notYet) {
        sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for s3proxy", e);
      }
    }
    return false;
  }

  /** Creates a bucket, e.g. a second one for a test. */
  public void createBucket(String name) {
    AmazonS3 s3 = AmazonS3ClientBuilder.standard()
        .withEndpointConfiguration(new AwsClientBuilder.EndpointConfiguration(endpoint(), REGION))
        .withPathStyleAccessEnabled(true)
        .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials(accessKey, secretKey)))
        .withClientConfiguration(new ClientConfiguration().withMaxErrorRetry(2).withNonProxyHosts(HOST))
        .build();
    try {
      s3.createBucket(name);
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot create bucket " + name + " on " + endpoint() + ": " + e.getMessage()
          + "; " + log + ":\n" + logTail(), e);
    } finally {
      s3.shutdown();
    }
  }

  // ------------------------------------------------------------------------------------------ access

  /** {@code http://127.0.0.1:<port>}. */
  public String endpoint() {
    return "http://" + HOST + ":" + port;
  }

  public int port() {
    return port;
  }

  public String bucket() {
    return bucket;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  /** {@code s3a://<bucket>/<key>}. */
  public String uri(String key) {
    return "s3a://" + bucket + "/" + (key.startsWith("/") ? key.substring(1) : key);
  }

  /** Where s3proxy keeps the objects: {@code <dataDir>/<bucket>/<key>}. */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * The Spark settings that reach this server through S3A: endpoint, path-style access, plain HTTP, static
   * credentials, an upload buffer inside the work directory (S3A's default is {@code /tmp/hadoop-<user>/s3a}), and
   * few retries, so a test whose server died fails in seconds rather than minutes. In insertion order.
   */
  public Map<String, String> sparkConf() {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.hadoop.fs.s3a.endpoint", endpoint());
    conf.put("spark.hadoop.fs.s3a.path.style.access", "true");
    conf.put("spark.hadoop.fs.s3a.connection.ssl.enabled", "false");
    conf.put("spark.hadoop.fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    conf.put("spark.hadoop.fs.s3a.access.key", accessKey);
    conf.put("spark.hadoop.fs.s3a.secret.key", secretKey);
    conf.put("spark.hadoop.fs.s3a.buffer.dir", bufferDir.toString());
    conf.put("spark.hadoop.fs.s3a.attempts.maximum", "3");
    conf.put("spark.hadoop.fs.s3a.retry.limit", "3");
    return conf;
  }

  /** {@link #sparkConf()} as a Hadoop configuration, for reading the bucket through the FileSystem API. */
  public Configuration hadoopConf() {
    Configuration conf = new Configuration();
    sparkConf().forEach((key, value) -> conf.set(key.substring("spark.hadoop.".length()), value));
    return conf;
  }

  /** The last lines of s3proxy's log. */
  public String logTail() {
    List<String> lines;
    try {
      lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return "(no log)";
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
    return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
  }

  // ------------------------------------------------------------------------------------------ stop

  /** Stops s3proxy: SIGTERM, then SIGKILL after the grace period. Idempotent. Files are kept. */
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
    p.destroy();
    try {
      if (!p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------------------------------ internals

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on " + HOST, e);
    }
  }

  private static String random(String alphabet, int length) {
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return text.toString();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public String toString() {
    return "S3ProxyServer[" + endpoint() + ", bucket " + bucket + ", " + workDir + "]";
  }
}
