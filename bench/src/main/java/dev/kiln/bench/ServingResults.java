package dev.kiln.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The serving benchmark's table and its targets. */
final class ServingResults {

  /** In-process scoring must reach this many records per second on one core. */
  static final double IN_PROCESS_TARGET = 200_000;
  /** HTTP p99 must stay under this, in microseconds, at the target rate. */
  static final double HTTP_P99_TARGET_MICROS = 1_000;
  /** The Spark path's median latency over HTTP's must be at least this. */
  static final double SPEEDUP_TARGET = 100;

  private final String started;
  private final String machine;
  private LatencySample inProcess;
  private LatencySample spark;
  private LatencySample http;
  private int httpRate;

  ServingResults(String started, String machine) {
    this.started = started;
    this.machine = machine;
  }

  void inProcess(LatencySample sample) {
    this.inProcess = sample;
  }

  void spark(LatencySample sample) {
    this.spark = sample;
  }

  void http(HttpScoring.Result result) {
    this.http = result.sample();
    this.httpRate = result.rate();
  }

  String markdown() {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "Serving benchmark, %s — %s%n%n", started, machine));
    out.append("| path | p50 | p99 | max | throughput | calls | errors |\n");
    out.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (LatencySample sample : samples()) {
      out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %,.0f /s | %,d | %d |%n", sample.path(),
          time(sample.p50Micros()), time(sample.p99Micros()), time(sample.maxMicros()), sample.perSecond(),
          sample.count(), sample.errors()));
    }
    out.append('\n');
    for (String line : verdicts()) {
      out.append("- ").append(line).append('\n');
    }
    return out.toString();
  }

  private List<LatencySample> samples() {
    List<LatencySample> samples = new ArrayList<>();
    for (LatencySample sample : new LatencySample[] {inProcess, http, spark}) {
      if (sample != null) {
        samples.add(sample);
      }
    }
    return samples;
  }

  List<String> verdicts() {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "in-process scoring: %,.0f records/s on one core (target ≥ %,.0f): %s",
        inProcess.perSecond(), IN_PROCESS_TARGET, pass(inProcessMet())));
    lines.add(String.format(Locale.ROOT, "Spark path / row scorer in process, median latency: %,.0f×",
        spark.p50Micros() / inProcess.p50Micros()));
    if (http != null) {
      lines.add(String.format(Locale.ROOT, "HTTP p99 at %,d requests/s: %s (target < %s): %s", httpRate,
          time(http.p99Micros()), time(HTTP_P99_TARGET_MICROS), pass(httpMet())));
      lines.add(String.format(Locale.ROOT, "Spark path / HTTP, median latency: %,.0f× (target ≥ %.0f×): %s",
          spark.p50Micros() / http.p50Micros(), SPEEDUP_TARGET, pass(speedupMet())));
    } else {
      lines.add("HTTP: not measured (--no-http)");
    }
    return lines;
  }

  private boolean inProcessMet() {
    return inProcess.perSecond() >= IN_PROCESS_TARGET;
  }

  private boolean httpMet() {
    return http != null && http.p99Micros() < HTTP_P99_TARGET_MICROS && http.errors() == 0;
  }

  private boolean speedupMet() {
    return http != null && spark.p50Micros() / http.p50Micros() >= SPEEDUP_TARGET;
  }

  boolean allTargetsMet() {
    return inProcessMet() && (http == null || (httpMet() && speedupMet()));
  }

  private static String pass(boolean met) {
    return met ? "pass" : "MISSED";
  }

  static String time(double micros) {
    return micros >= 1000 ? String.format(Locale.ROOT, "%.2f ms", micros / 1000)
        : String.format(Locale.ROOT, "%.1f µs", micros);
  }
}
