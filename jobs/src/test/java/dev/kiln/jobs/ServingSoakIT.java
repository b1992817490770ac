package dev.kiln.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.jobs.cli.KilnCli;
import dev.kiln.jobs.cli.ServeCommandAccess;
import dev.kiln.testing.SharedSpark;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak: {@code kiln serve} in its own JVM, as {@code bin/kiln serve} starts it, under steady load on 127.0.0.1 for
 * {@code kiln.soak.minutes} (10 by default) with the prediction log on. Every request must succeed, and the server's
 * heap after a full GC at the end must be within 10 % of the one after warm-up (no steady growth).
 *
 * <p>Not part of {@code mvn -B verify} (it takes its whole duration): run it with {@code testing/reliability/run-soak}.
 */
class ServingSoakIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> INPUTS = List.of("tenure_months", "monthly_charges", "support_calls", "contract",
      "payment_method", "plan");
  private static final int REQUESTS_PER_SECOND = 200;
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)([KMG])");

  @TempDir
  Path dir;

  @Test
  void tenMinutesOfSteadyLoadWithoutAnErrorOrGrowingMemory() throws Exception {
    Duration soak = Duration.ofMinutes(Long.getLong("kiln.soak.minutes", 10));
    Path conf = dir.resolve("soak.conf");
    String registry = dir.resolve("wh/registry").toString();
    Files.writeString(conf, """
        warehouse = "%s"
        pipeline.name = soak
        source { format = generated, generated { rows = 5000, seed = 11 } }
        features { label = churned, numeric = [tenure_months, monthly_charges, support_calls],
                   categorical = [contract, payment_method, plan] }
        model { algorithm = gbt, params { maxIter = 20, maxDepth = 4, seed = 7 } }
        spark.partitions = 2
        """.formatted(dir.resolve("wh")));
    KilnCli.Outcome trained = KilnCli.run("run", conf.toString());
    assertEquals(0, trained.exitCode(), trained.toString());
    List<String> bodies = new ArrayList<>();
    for (Row row : SharedSpark.session().read().format("delta").load(dir.resolve("wh/generated/churn-5000-seed11")
        .toString()).limit(500).collectAsList()) {
      Map<String, Object> record = new LinkedHashMap<>();
      INPUTS.forEach(c -> record.put(c, row.getAs(c)));
      bodies.add(JSON.writeValueAsString(record));
    }

    int port = ServeCommandAccess.freePort();
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-Xmx2g", "-XX:+UseZGC"));
    command.addAll(List.of(System.getProperty("kiln.java17.flags").trim().split("\\s+")));
    command.addAll(List.of("-cp", System.getProperty("kiln.appJar") + File.pathSeparator
        + System.getProperty("kiln.sparkJars") + "/*", "dev.kiln.jobs.cli.Kiln", "serve", "--model", "soak@1",
        "--registry", registry, "--port", String.valueOf(port), "--prediction-log", dir.resolve("log").toString()));
    Path output = dir.resolve("serve.txt");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process server = builder.start();
    String base = "http://127.0.0.1:" + port;
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    ScheduledExecutorService load = Executors.newScheduledThreadPool(4);
    try {
      awaitReady(http, base, server, output);
      AtomicLong sent = new AtomicLong();
      AtomicLong ok = new AtomicLong();
      Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
      Runnable request = () -> {
        long n = sent.incrementAndGet();
        try {
          HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base
                  + "/v1/models/soak/predict")).timeout(Duration.ofSeconds(10))
              .POST(HttpRequest.BodyPublishers.ofString(bodies.get((int) (n % bodies.size())))).build(),
              HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() == 200) {
            ok.incrementAndGet();
          } else {
            failures.computeIfAbsent("HTTP " + response.statusCode(), k -> new AtomicLong()).incrementAndGet();
          }
        } catch (Exception e) {
          failures.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet();
        }
      };
      long periodMicros = 1_000_000L / REQUESTS_PER_SECOND;
      load.scheduleAtFixedRate(request, 0, periodMicros, TimeUnit.MICROSECONDS);

      Thread.sleep(Duration.ofSeconds(60).toMillis()); // warm-up: JIT, the scorer's caches, the log's first files
      long heapAtStart = heapAfterGc(server.pid());
      long started = System.nanoTime();
      long nextReport = 60;
      while (System.nanoTime() - started < soak.toNanos()) {
        Thread.sleep(1000);
        long elapsed = (System.nanoTime() - started) / 1_000_000_000L;
        if (elapsed >= nextReport) {
          System.out.printf(Locale.ROOT, "[soak] %d s: %,d sent, %,d ok, failures %s%n", elapsed, sent.get(), ok.get(),
              failures);
          nextReport += 60;
        }
        assertTrue(server.isAlive(), "the server died:\n" + Files.readString(output));
      }
      load.shutdown();
      assertTrue(load.awaitTermination(30, TimeUnit.SECONDS));
      long heapAtEnd = heapAfterGc(server.pid());
      double growth = (double) (heapAtEnd - heapAtStart) / heapAtStart;
      System.out.printf(Locale.ROOT, "[soak] %s at %d requests/s after a 60 s warm-up (counts include it): %,d sent, "
              + "%,d ok, %,d failed %s; heap after GC "
              + "%,d KiB after warm-up, %,d KiB at the end (%+.1f %%)%n", soak, REQUESTS_PER_SECOND, sent.get(),
          ok.get(), sent.get() - ok.get(), failures, heapAtStart / 1024, heapAtEnd / 1024, 100 * growth);
      assertTrue(failures.isEmpty(), "failed requests: " + failures);
      assertEquals(sent.get(), ok.get());
      assertTrue(growth <= 0.10, String.format(Locale.ROOT, "the heap after GC grew %.1f %% (%,d → %,d bytes)",
          100 * growth, heapAtStart, heapAtEnd));
    } finally {
      load.shutdownNow();
      server.destroy();
      server.waitFor(30, TimeUnit.SECONDS);
      server.destroyForcibly();
    }
  }

  private static void awaitReady(HttpClient http, String base, Process server, Path output) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      assertTrue(server.isAlive(), "kiln serve exited:\n" + Files.readString(output));
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      Thread.sleep(500);
    }
    throw new AssertionError("kiln serve was not ready in 3 minutes:\n" + Files.readString(output));
  }

  /** The server JVM's used heap after two full collections, from {@code jcmd} (bytes). */
  private static long heapAfterGc(long pid) throws Exception {
    jcmd(pid, "GC.run");
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    Matcher used = HEAP_USED.matcher(info);
    assertTrue(used.find(), "no heap size in jcmd's answer:\n" + info);
    long n = Long.parseLong(used.group(1));
    return switch (used.group(2)) {
      case "K" -> n * 1024;
      case "M" -> n * 1024 * 1024;
      default -> n * 1024 * 1024 * 1024;
    };
  }

  private static String jcmd(long pid, String what) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), what).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "jcmd " + what + " failed:\n" + out);
    return out;
  }
}
