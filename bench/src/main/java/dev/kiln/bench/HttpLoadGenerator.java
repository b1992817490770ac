package dev.kiln.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A constant-rate HTTP load, run in its own JVM by {@link HttpScoring}: POSTs one JSON body per request, cycling
 * through a file of bodies, at a fixed rate (open loop: request {@code i} is due at {@code start + i / rate} whether
 * or not earlier ones have answered). Each latency is measured from when the request was due, not when it was sent,
 * so a stalled server shows in the percentiles instead of slowing the load (no coordinated omission). Prints one
 * {@code RESULT} line with microseconds.
 *
 * <p>Usage: {@code HttpLoadGenerator URL BODIES_FILE RATE WARMUP_SECONDS SECONDS [TOKEN]}
 */
public final class HttpLoadGenerator {

  private HttpLoadGenerator() {}

  public static void main(String[] args) throws Exception {
    URI url = URI.create(args[0]);
    List<String> bodies = Files.readAllLines(Path.of(args[1]));
    int rate = Integer.parseInt(args[2]);
    int warmUp = Integer.parseInt(args[3]);
    int seconds = Integer.parseInt(args[4]);
    String token = args.length > 5 ? args[5] : null;
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    run(client, url, bodies, rate, warmUp, token, new Recorder(3_600_000_000L, 3), new AtomicLong());
    Recorder recorder = new Recorder(3_600_000_000L, 3);
    AtomicLong errors = new AtomicLong();
    long started = System.nanoTime();
    long sent = run(client, url, bodies, rate, seconds, token, recorder, errors);
    double elapsed = (System.nanoTime() - started) / 1e9;
    Histogram histogram = recorder.getIntervalHistogram();
    System.out.printf(Locale.ROOT, "RESULT p50=%.1f p99=%.1f max=%.1f rate=%.1f count=%d errors=%d sent=%d%n",
        histogram.getValueAtPercentile(50) / 1e3, histogram.getValueAtPercentile(99) / 1e3,
        histogram.getMaxValue() / 1e3, histogram.getTotalCount() / elapsed, histogram.getTotalCount(), errors.get(),
        sent);
  }

  /** Sends {@code rate × seconds} requests on schedule, then waits for every answer (at most 30 s). */
  private static long run(HttpClient client, URI url, List<String> bodies, int rate, int seconds, String token,
      Recorder recorder, AtomicLong errors) throws InterruptedException {
    long total = (long) rate * seconds;
    long period = 1_000_000_000L / rate;
    AtomicLong done = new AtomicLong();
    long start = System.nanoTime();
    for (long i = 0; i < total; i++) {
      long due = start + i * period;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(bodies.get((int) (i % bodies.size()))));
      if (token != null) {
        request.header("Authorization", "Bearer " + token);
      }
      client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
        recorder.recordValue(Math.max(1, System.nanoTime() - due));
        if (failure != null || response.statusCode() != 200) {
          errors.incrementAndGet();
        }
        done.incrementAndGet();
      });
    }
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (done.get() < total && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    errors.addAndGet(total - done.get());
    return total;
  }
}
