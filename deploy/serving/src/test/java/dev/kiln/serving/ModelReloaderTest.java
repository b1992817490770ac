package dev.kiln.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.errors.UnsupportedStageException;
import dev.kiln.monitor.PredictionLog;
import dev.kiln.monitor.PredictionRecord;
import dev.kiln.registry.ModelRef;
import dev.kiln.registry.ModelVersion;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Reloading without Spark: a failed load keeps the model, logs follow their version, a lease delays the release. */
class ModelReloaderTest {

  private static final String RECORD = "{\"tenure\": 30, \"charges\": 42, \"plan\": \"basic\"}";

  /** A prediction log that remembers what it was given and whether it was closed. */
  static final class RecordingLog implements PredictionLog {
    final long version;
    final List<PredictionRecord> records = new CopyOnWriteArrayList<>();
    volatile boolean closed;

    RecordingLog(long version) {
      this.version = version;
    }

    @Override
    public void append(PredictionRecord record) {
      if (closed) {
        throw new IllegalStateException("appended after close");
      }
      records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void aFailedLoadKeepsTheServedVersionAndIsCounted() {
    FakeRegistry registry = new FakeRegistry();
    ModelLoader refusesVersionTwo = version -> {
      if (version.version() == 2) {
        throw new UnsupportedStageException("stage 3 (org.apache.spark.ml.feature.PCAModel) has no row evaluator");
      }
      return registry.load(version);
    };
    try (ModelServer server = new ModelServer(ServerSettings.of(ModelRef.parse("churn@champion")).withPort(0)
        .withReloadInterval(Duration.ofHours(1)), registry, refusesVersionTwo, Optional.empty()).start()) {
      Http http = new Http(server.port());
      http.awaitReady(Duration.ofSeconds(30));
      registry.champion.set(2);
      assertEquals(ModelReloader.Outcome.FAILED, server.reloader().checkNow());
      assertEquals(1, http.post("/v1/models/churn/predict", RECORD).json().get("version").asLong());
      assertEquals(200, http.get("/health/ready").status());
      String metrics = http.get("/metrics").body();
      assertTrue(metrics.contains("kiln_serving_model_loads_total{model=\"churn\",outcome=\"failure\"} 1.0"), metrics);
      assertTrue(metrics.contains("kiln_serving_model_version{model=\"churn\"} 1.0"), metrics);

      registry.champion.set(3);
      assertEquals(ModelReloader.Outcome.LOADED, server.reloader().checkNow());
      assertEquals(ModelReloader.Outcome.UNCHANGED, server.reloader().checkNow());
      assertEquals(3, http.post("/v1/models/churn/predict", RECORD).json().get("version").asLong());
      assertTrue(http.get("/metrics").body().contains("kiln_serving_model_version{model=\"churn\"} 3.0"));
    }
  }

  @Test
  void anUnresolvableReferenceLeavesTheServerLoadingAndAlive() {
    FakeRegistry registry = new FakeRegistry();
    try (ModelServer server = new ModelServer(ServerSettings.of(ModelRef.parse("fraud@champion")).withPort(0)
        .withReloadInterval(Duration.ofHours(1)), registry, registry, Optional.empty()).start()) {
      assertEquals(ModelReloader.Outcome.FAILED, server.reloader().checkNow());
      Http http = new Http(server.port());
      assertEquals(503, http.get("/health/ready").status());
      assertEquals(200, http.get("/health/live").status());
      assertEquals(503, http.post("/v1/models/fraud/predict", RECORD).status());
    }
  }

  @Test
  void eachScoredRecordIsLoggedToItsVersionsLogWhichClosesWhenReplaced() {
    FakeRegistry registry = new FakeRegistry();
    Map<Long, RecordingLog> logs = new ConcurrentHashMap<>();
    PredictionLogFactory factory = version -> logs.computeIfAbsent(version.version(), RecordingLog::new);
    RecordingLog first;
    try (ModelServer server = new ModelServer(ServerSettings.of(ModelRef.parse("churn@champion")).withPort(0)
        .withReloadInterval(Duration.ofHours(1)), registry, registry, Optional.of(factory)).start()) {
      Http http = new Http(server.port());
      http.awaitReady(Duration.ofSeconds(30));
      JsonNode batch = http.post("/v1/models/churn/predict", "{\"records\": [" + RECORD + ", {\"tenure\": 70, "
          + "\"charges\": 1.5, \"plan\": null}]}").json();
      assertEquals(400, http.post("/v1/models/churn/predict", "{").status());
      first = logs.get(1L);
      assertEquals(2, first.records.size(), "one record per scored record, none for a refused request");
      PredictionRecord logged = first.records.get(0);
      assertEquals(batch.get("predictions").get(0).get("request_id").asText(), logged.requestId());
      assertEquals("churn", logged.model());
      assertEquals(1, logged.modelVersion());
      assertEquals(30, logged.inputs().get("tenure"), "an integer input is logged as an Integer");
      assertEquals(42.0, logged.inputs().get("charges"), "a double input given as 42 is logged as a Double");
      assertEquals(0.3, (Double) logged.outputs().get("prediction") - 1, 1e-12);
      assertTrue(logged.latencyMicros() >= 0);
      assertTrue(first.records.get(1).inputs().containsKey("plan") && first.records.get(1).inputs().get("plan") == null);

      registry.champion.set(2);
      server.reloader().checkNow();
      assertTrue(first.closed, "the replaced version's log is closed once its requests finished");
      http.post("/v1/models/churn/predict", RECORD);
      assertEquals(1, logs.get(2L).records.size());
      assertEquals(2, logs.get(2L).records.get(0).modelVersion());
    }
    assertTrue(logs.get(2L).closed, "closing the server flushes and closes the served version's log");
  }

  @Test
  void aVersionStillLeasedByARequestIsReleasedOnlyWhenTheRequestEnds() throws Exception {
    FakeRegistry registry = new FakeRegistry();
    Map<Long, RecordingLog> logs = new ConcurrentHashMap<>();
    ModelReloader reloader = new ModelReloader(ModelRef.parse("churn@champion"), registry, registry,
        Optional.of(version -> logs.computeIfAbsent(version.version(), RecordingLog::new)), new ServingMetrics("churn"));
    try (reloader) {
      assertEquals(ModelReloader.Outcome.LOADED, reloader.checkNow());
      LoadedModel.Lease inFlight = reloader.acquire().orElseThrow();
      registry.champion.set(2);
      CompletableFuture<ModelReloader.Outcome> reload = CompletableFuture.supplyAsync(reloader::checkNow);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (reloader.current().map(m -> m.version().version()).orElse(0L) != 2 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(2, reloader.current().orElseThrow().version().version(), "swapped while the old one is leased");
      try (LoadedModel.Lease next = reloader.acquire().orElseThrow()) {
        assertEquals(2, next.model().version().version(), "new requests get the new version at once");
      }
      Thread.sleep(50);
      assertFalse(logs.get(1L).closed, "the request in flight can still log to its version");
      assertFalse(reload.isDone());
      ModelVersion leased = inFlight.model().version();
      assertEquals(1, leased.version());
      inFlight.close();
      assertEquals(ModelReloader.Outcome.LOADED, reload.get(30, TimeUnit.SECONDS));
      assertTrue(logs.get(1L).closed);
    }
  }
}
