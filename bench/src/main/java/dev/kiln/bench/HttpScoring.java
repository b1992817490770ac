package dev.kiln.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.config.PipelineConfig;
import dev.kiln.registry.ModelVersion;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code kiln serve} in its own JVM (started by {@code bin/kiln}, as a user starts it), under a constant-rate load from
 * {@link HttpLoadGenerator} in another JVM: a warm-up, then the measured run.
 */
final class HttpScoring {

  record Result(LatencySample sample, int rate) {}

  private static final Pattern RESULT = Pattern.compile(
      "RESULT p50=([0-9.]+) p99=([0-9.]+) max=([0-9.]+) rate=([0-9.]+) count=(\\d+) errors=(\\d+)");

  /** Keep-alive connections of the load: enough for 2,000 requests/s of ~0.3 ms, few enough for 2 cores. */
  static final int CONNECTIONS = 8;

  private HttpScoring() {}

  static Result measure(Path work, PipelineConfig config, ModelVersion version, List<Map<String, Object>> records,
      ServingOptions options, Progress progress) throws IOException, InterruptedException {
    Path bodies = work.resolve("bodies.jsonl");
    ObjectMapper json = new ObjectMapper();
    List<String> lines = new ArrayList<>();
    for (Map<String, Object> record : records) {
      Map<String, Object> body = new LinkedHashMap<>();
      record.forEach((field, value) -> body.put(field, value instanceof java.time.Instant i ? i.toString() : value));
      lines.add(json.writeValueAsString(body));
    }
    Files.write(bodies, lines, StandardCharsets.UTF_8);
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path serverLog = work.resolve("server.log");
    ProcessBuilder serve = new ProcessBuilder("bin/kiln", "serve", "--model", version.name() + "@champion",
        "--registry", config.registry().root(), "--host", "127.0.0.1", "--port", String.valueOf(port))
        .redirectErrorStream(true).redirectOutput(serverLog.toFile());
    serve.environment().remove("KILN_JAVA_OPTS");  // the server runs with bin/kiln's JVM options for serve
    serve.environment().remove("KILN_SERVE_TOKEN");
    progress.say("starting kiln serve on 127.0.0.1:%d (log: %s)...", port, serverLog);
    Process server = serve.start();
    try {
      waitUntilReady(server, port, serverLog);
      String url = "http://127.0.0.1:" + port + "/v1/models/" + version.name() + "/predict";
      progress.say("load: %,d requests/s on %d connections, %d s of warm-up, then %d runs of %d s measured, from "
          + "another JVM...", options.rate(), CONNECTIONS, options.seconds(), options.httpRuns(), options.seconds());
      String java = ProcessHandle.current().info().command().orElse("java");
      Process load = new ProcessBuilder(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
          HttpLoadGenerator.class.getName(), url, bodies.toString(), String.valueOf(options.rate()),
          String.valueOf(options.seconds()), String.valueOf(options.seconds()), String.valueOf(CONNECTIONS),
          String.valueOf(options.httpRuns())).redirectErrorStream(true).start();
      String output = new String(load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      load.waitFor();
      List<LatencySample> runs = new ArrayList<>();
      Matcher result = RESULT.matcher(output);
      while (result.find()) {
        LatencySample run = new LatencySample("HTTP POST /predict, kiln serve, " + options.rate() + " req/s",
            Double.parseDouble(result.group(1)), Double.parseDouble(result.group(2)),
            Double.parseDouble(result.group(3)), Double.parseDouble(result.group(4)),
            Long.parseLong(result.group(5)), Long.parseLong(result.group(6)));
        progress.say("HTTP run %d: p50 %.0f µs, p99 %.0f µs, max %.1f ms, %,.0f requests/s, %d errors",
            runs.size() + 1, run.p50Micros(), run.p99Micros(), run.maxMicros() / 1e3, run.perSecond(), run.errors());
        runs.add(run);
      }
      if (runs.size() != options.httpRuns()) {
        throw new IllegalStateException("the load generator gave " + runs.size() + " of " + options.httpRuns()
            + " results:\n" + output);
      }
      // The run with the median p99 (and its own p50, max and errors): medians, as the machine is noisy.
      runs.sort((a, b) -> Double.compare(a.p99Micros(), b.p99Micros()));
      LatencySample median = runs.get(runs.size() / 2);
      long errors = runs.stream().mapToLong(LatencySample::errors).sum();
      return new Result(new LatencySample(median.path(), median.p50Micros(), median.p99Micros(), median.maxMicros(),
          median.perSecond(), median.count(), errors), options.rate());
    } finally {
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  private static void waitUntilReady(Process server, int port, Path log) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new IllegalStateException("kiln serve exited with " + server.exitValue() + "; its log:\n"
            + Files.readString(log));
      }
      try {
        HttpURLConnection ready = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/health/ready")
            .toURL().openConnection();
        ready.setConnectTimeout(1000);
        if (ready.getResponseCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("kiln serve was not ready within 180 s; its log: " + log);
  }
}
