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
    serve.environment().putIfAbsent("KILN_JAVA_OPTS", "-Xmx2g");
    serve.environment().remove("KILN_SERVE_TOKEN");
    progress.say("starting kiln serve on 127.0.0.1:%d (log: %s)...", port, serverLog);
    Process server = serve.start();
    try {
      waitUntilReady(server, port, serverLog);
      String url = "http://127.0.0.1:" + port + "/v1/models/" + version.name() + "/predict";
      progress.say("load: %,d requests/s for %d s of warm-up, then %d s measured, from another JVM...",
          options.rate(), options.seconds(), options.seconds());
      String java = ProcessHandle.current().info().command().orElse("java");
      Process load = new ProcessBuilder(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
          HttpLoadGenerator.class.getName(), url, bodies.toString(), String.valueOf(options.rate()),
          String.valueOf(options.seconds()), String.valueOf(options.seconds()))
          .redirectErrorStream(true).start();
      String output = new String(load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      load.waitFor();
      Matcher result = RESULT.matcher(output);
      if (!result.find()) {
        throw new IllegalStateException("the load generator gave no result:\n" + output);
      }
      LatencySample sample = new LatencySample("HTTP POST /predict, kiln serve, " + options.rate() + " req/s",
          Double.parseDouble(result.group(1)), Double.parseDouble(result.group(2)),
          Double.parseDouble(result.group(3)), Double.parseDouble(result.group(4)), Long.parseLong(result.group(5)),
          Long.parseLong(result.group(6)));
      progress.say("HTTP: p50 %.0f µs, p99 %.0f µs, %,.0f requests/s, %d errors", sample.p50Micros(),
          sample.p99Micros(), sample.perSecond(), sample.errors());
      return new Result(sample, options.rate());
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
