package dev.kiln.serving;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * One server's Prometheus metrics, in a registry of its own (never the global default), so two servers in one JVM —
 * as in the tests — count apart. Label values come from a fixed set (route templates, error codes, the model name),
 * never from what a client sends, so no request can grow the number of series.
 */
public final class ServingMetrics {

  /** The endpoint label of a request that matched no route. */
  static final String UNMATCHED = "unmatched";

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  private final Counter requests = Counter.builder().name("kiln_serving_requests_total")
      .help("HTTP requests answered, by route template, method and status.")
      .labelNames("endpoint", "method", "status").register(registry);
  private final Histogram latency = Histogram.builder().name("kiln_serving_request_duration_seconds")
      .help("Time from receiving a request to answering it, by route template.")
      .labelNames("endpoint")
      .classicOnly()
      .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
      .register(registry);
  private final Counter errors = Counter.builder().name("kiln_serving_errors_total")
      .help("Error answers, by error code (docs/serving.md lists them).")
      .labelNames("code").register(registry);
  private final Counter records = Counter.builder().name("kiln_serving_records_scored_total")
      .help("Records scored, by model and version.")
      .labelNames("model", "version").register(registry);
  private final Gauge loadedVersion = Gauge.builder().name("kiln_serving_model_version")
      .help("The version of the model being served; 0 until one is loaded.")
      .labelNames("model").register(registry);
  private final Counter loads = Counter.builder().name("kiln_serving_model_loads_total")
      .help("Attempts to load a model version, by outcome (success or failure).")
      .labelNames("model", "outcome").register(registry);
  private final Counter logFailures = Counter.builder().name("kiln_serving_prediction_log_failures_total")
      .help("Predictions that could not be appended to the prediction log (the client still got its answer).")
      .labelNames("model").register(registry);

  /** Starts the series a dashboard expects to see before the first request, at zero. */
  ServingMetrics(String model) {
    loadedVersion.labelValues(model).set(0);
    loads.labelValues(model, "success");
    loads.labelValues(model, "failure");
    logFailures.labelValues(model);
  }

  void request(String endpoint, String method, int status, double seconds) {
    requests.labelValues(endpoint, method, String.valueOf(status)).inc();
    latency.labelValues(endpoint).observe(seconds);
  }

  void error(String code) {
    errors.labelValues(code).inc();
  }

  void scored(String model, long version, int count) {
    records.labelValues(model, String.valueOf(version)).inc(count);
  }

  void loaded(String model, long version) {
    loadedVersion.labelValues(model).set(version);
    loads.labelValues(model, "success").inc();
  }

  void loadFailed(String model) {
    loads.labelValues(model, "failure").inc();
  }

  void predictionLogFailed(String model) {
    logFailures.labelValues(model).inc();
  }

  /** The Prometheus text exposition format (version 0.0.4). */
  String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try {
      writer.write(out, registry.scrape(), EscapingScheme.DEFAULT);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }
}
