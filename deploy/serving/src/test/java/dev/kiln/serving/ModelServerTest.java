package dev.kiln.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.registry.ModelRef;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The HTTP layer against a {@link FakeScorer}: shapes, every error status, limits, metrics and the description. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelServerTest {

  private static final String PREDICT = "/v1/models/churn/predict";
  private static final String RECORD = "{\"tenure\": 30, \"charges\": 42.5, \"plan\": \"basic\"}";

  private final FakeRegistry registry = new FakeRegistry();
  private ModelServer server;
  private Http http;

  @BeforeAll
  void start() {
    server = new ModelServer(ServerSettings.of(ModelRef.parse("churn@champion")).withPort(0).withMaxBodyBytes(2048),
        registry, registry, Optional.empty()).start();
    http = new Http(server.port());
    http.awaitReady(Duration.ofSeconds(30));
  }

  @AfterAll
  void stop() {
    server.close();
  }

  @Test
  void oneRecordGetsOnePrediction() {
    Http.Response response = http.post(PREDICT, RECORD);
    assertEquals(200, response.status(), response.toString());
    assertEquals("application/json", response.header("Content-Type"));
    JsonNode json = response.json();
    assertEquals("churn", json.get("model").asText());
    assertEquals(1, json.get("version").asLong());
    assertEquals(1, json.get("predictions").size());
    JsonNode prediction = json.get("predictions").get(0);
    assertEquals(1.3, prediction.get("prediction").asDouble(), 1e-12);
    assertEquals(0.3, prediction.get("probability").get(1).asDouble(), 1e-12);
    assertEquals("0", prediction.get("predicted_label").asText());
    java.util.UUID id = java.util.UUID.fromString(prediction.get("request_id").asText());
    assertEquals(4, id.version(), "a random UUID: " + id);
    assertEquals(2, id.variant(), "an RFC 4122 UUID: " + id);
    assertNotNull(response.header("X-Request-Id"));
  }

  @Test
  void aBatchGetsOnePredictionPerRecordInOrderEachWithItsOwnId() {
    Http.Response response = http.post(PREDICT, "{\"records\": [" + RECORD + ", {\"tenure\": 80, \"charges\": 1, "
        + "\"plan\": null}]}");
    assertEquals(200, response.status(), response.toString());
    JsonNode predictions = response.json().get("predictions");
    assertEquals(2, predictions.size());
    assertEquals(1.3, predictions.get(0).get("prediction").asDouble(), 1e-12);
    assertEquals(1.8, predictions.get(1).get("prediction").asDouble(), 1e-12);
    assertEquals("1", predictions.get(1).get("predicted_label").asText());
    assertFalse(predictions.get(0).get("request_id").equals(predictions.get(1).get("request_id")));
  }

  @Test
  void malformedJsonIs400NamingWhere() {
    for (String body : new String[] {"{\"tenure\": 30,", "not json", "", "{\"a\": 1} trailing", "{\"tenure\": 1, "
        + "\"tenure\": 2}"}) {
      Http.Response response = http.post(PREDICT, body);
      assertEquals(400, response.status(), body + " -> " + response);
      assertEquals("malformed_json", error(response).get("code").asText(), response.toString());
    }
    assertTrue(error(http.post(PREDICT, "{\"tenure\": 30,")).get("message").asText().contains("line 1, column"));
    // Nesting deeper than the parser allows, a number longer than it reads, and bytes that are not UTF-8.
    assertEquals(400, http.post(PREDICT, "[".repeat(2000)).status());
    assertEquals(400, http.post(PREDICT, "{\"tenure\": " + "9".repeat(1500) + "}").status());
    Http.Response binary = http.send(http.request(PREDICT).POST(HttpRequest.BodyPublishers.ofByteArray(
        new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'})));
    assertEquals(400, binary.status(), binary.toString());
    assertEquals("malformed_json", error(binary).get("code").asText());
  }

  @Test
  void aBodyThatIsNotARecordOrBatchIs400() {
    for (String body : new String[] {"[1, 2]", "42", "\"text\"", "{\"records\": []}", "{\"records\": [1]}"}) {
      Http.Response response = http.post(PREDICT, body);
      assertEquals(400, response.status(), body + " -> " + response);
      assertEquals("invalid_request", error(response).get("code").asText(), response.toString());
    }
    assertEquals(0, error(http.post(PREDICT, "{\"records\": [" + RECORD + ", 7]}")).get("index").asInt() - 1);
  }

  @Test
  void eachKindOfInvalidRecordIs422NamingTheField() {
    assertInvalid("{\"charges\": 1, \"plan\": \"a\"}", "missing", "tenure");
    assertInvalid("{\"tenure\": 1, \"charges\": 1, \"plan\": \"a\", \"colour\": \"red\"}", "unknown", "colour");
    assertInvalid("{\"tenure\": \"thirty\", \"charges\": 1, \"plan\": \"a\"}", "wrong_type", "tenure");
    assertInvalid("{\"tenure\": 1, \"charges\": NaN, \"plan\": \"a\"}", "not_finite", "charges");
    assertInvalid("{\"tenure\": 1, \"charges\": -Infinity, \"plan\": \"a\"}", "not_finite", "charges");
    assertInvalid("{\"tenure\": 1, \"charges\": 1e400, \"plan\": \"a\"}", "not_finite", "charges");
    assertInvalid("{\"tenure\": 1, \"charges\": [1, 2], \"plan\": \"a\"}", "wrong_type", "charges");
    assertInvalid("{\"tenure\": 1, \"charges\": 1, \"plan\": \"a\", \"extra\": {\"x\": 1}}", "unknown", "extra");
  }

  @Test
  void anInvalidRecordInABatchIs422WithItsIndex() {
    Http.Response response = http.post(PREDICT, "{\"records\": [" + RECORD + ", " + RECORD
        + ", {\"tenure\": 1, \"charges\": \"lots\", \"plan\": null}]}");
    assertEquals(422, response.status(), response.toString());
    JsonNode error = error(response);
    assertEquals("wrong_type", error.get("code").asText());
    assertEquals("charges", error.get("field").asText());
    assertEquals(2, error.get("index").asInt());
  }

  @Test
  void anUnknownModelIs404AndAnUnknownPathToo() {
    Http.Response model = http.post("/v1/models/fraud/predict", RECORD);
    assertEquals(404, model.status(), model.toString());
    assertEquals("model_not_found", error(model).get("code").asText());
    assertEquals(404, http.get("/v1/models/fraud").status());
    Http.Response path = http.get("/v2/anything");
    assertEquals(404, path.status(), path.toString());
    assertEquals("not_found", error(path).get("code").asText());
  }

  @Test
  void aWrongMethodIs405() {
    for (String[] call : new String[][] {{"GET", PREDICT}, {"DELETE", "/v1/models/churn"}, {"POST", "/metrics"},
        {"PUT", "/health/live"}}) {
      Http.Response response = http.method(call[0], call[1]);
      assertEquals(405, response.status(), String.join(" ", call) + " -> " + response);
      assertEquals("method_not_allowed", error(response).get("code").asText());
    }
  }

  @Test
  void aBodyOverTheLimitIs413WhetherItsLengthIsDeclaredOrNot() {
    String big = "{\"tenure\": 1, \"charges\": 1, \"plan\": \"" + "x".repeat(5000) + "\"}";
    Http.Response declared = http.post(PREDICT, big);
    assertEquals(413, declared.status(), declared.toString());
    assertEquals("body_too_large", error(declared).get("code").asText());
    // Without Content-Length (chunked): the bytes actually read are counted.
    byte[] bytes = big.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Http.Response chunked = http.send(http.request(PREDICT)
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))));
    assertEquals(413, chunked.status(), chunked.toString());
    // Just under the limit is fine, chunked or not.
    String fits = "{\"tenure\": 1, \"charges\": 1, \"plan\": \"" + "x".repeat(1900) + "\"}";
    byte[] fitting = fits.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(200, http.post(PREDICT, fits).status());
    assertEquals(200, http.send(http.request(PREDICT)
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(fitting)))).status());
  }

  @Test
  void oddPathsHeadersAndMethodsAreNeverAServerError() {
    Http http = this.http.unpooled();
    String[] paths = {"/v1/models/a%2Fb/predict", "/v1/models/%2e%2e/predict", "/v1/models/churn/predict?x=%25zz",
        "/v1/models/" + "m".repeat(20_000) + "/predict", "/v1/models//predict", "/v1/models/churn/predict/"};
    for (String path : paths) {
      Http.Response response = http.post(path, RECORD);
      assertTrue(response.status() >= 400 && response.status() < 500 || response.status() == 200,
          path.substring(0, Math.min(60, path.length())) + " -> " + response);
    }
    Http.Response header = http.send(http.request(PREDICT).header("X-Padding", "p".repeat(20_000))
        .POST(HttpRequest.BodyPublishers.ofString(RECORD)));
    assertTrue(header.status() >= 400 && header.status() < 500, header.toString());
    // What java.net.http refuses to send: malformed escapes and a request line that is not HTTP.
    for (String line : new String[] {"POST /v1/models/churn/predict?x=%zz HTTP/1.1", "GET /%zz HTTP/1.1",
        "GET /v1/models/ch urn HTTP/1.1", "NONSENSE"}) {
      String status = rawStatusLine(line);
      assertTrue(status.matches("HTTP/1\\.1 4\\d\\d .*"), line + " -> " + status);
    }
    for (String method : new String[] {"PATCH", "OPTIONS", "TRACE", "BREW"}) {
      Http.Response response = http.method(method, PREDICT);
      assertTrue(response.status() >= 400 && response.status() < 500 || response.status() == 200,
          method + " -> " + response);
    }
  }

  @Test
  void anUnexpectedFailureIs500WithoutDetail() {
    Http.Response response = http.post(PREDICT, "{\"tenure\": 1, \"charges\": 1, \"plan\": \"explode\"}");
    assertEquals(500, response.status(), response.toString());
    JsonNode error = error(response);
    assertEquals("internal_error", error.get("code").asText());
    assertTrue(error.get("message").asText().contains(response.header("X-Request-Id")), response.toString());
    assertFalse(response.body().contains("internal detail") || response.body().contains("IllegalStateException")
        || response.body().contains("at dev.kiln"), response.body());
  }

  @Test
  void theModelListingAndDetailComeFromTheRegistry() {
    JsonNode models = http.get("/v1/models").json().get("models");
    assertEquals(1, models.size());
    assertEquals("churn", models.get(0).get("name").asText());
    assertEquals("champion", models.get(0).get("alias").asText());
    assertEquals(1, models.get(0).get("version").asLong());

    Http.Response detail = http.get("/v1/models/churn");
    assertEquals(200, detail.status(), detail.toString());
    JsonNode model = detail.json();
    assertEquals(1, model.get("version").asLong());
    assertEquals("champion", model.get("alias").asText());
    assertEquals(0.71, model.get("metrics").get("auc_roc").asDouble(), 1e-12);
    assertEquals("tenure", model.get("signature").get("inputs").get(0).get("name").asText());
    assertEquals("integer", model.get("signature").get("inputs").get(0).get("type").asText());
    assertTrue(model.get("signature").get("inputs").get(2).get("nullable").asBoolean());
    assertEquals("prediction", model.get("signature").get("outputs").get(0).asText());
  }

  @Test
  void healthChecksAnswer() {
    assertEquals(200, http.get("/health/live").status());
    Http.Response ready = http.get("/health/ready");
    assertEquals(200, ready.status());
    assertEquals("ready", ready.json().get("status").asText());
    assertEquals(1, ready.json().get("version").asLong());
  }

  @Test
  void metricsCountRequestsErrorsLatencyAndTheLoadedVersion() {
    http.post(PREDICT, RECORD);
    http.post(PREDICT, "{");
    String metrics = http.get("/metrics").body();
    assertTrue(metrics.contains(
        "kiln_serving_requests_total{endpoint=\"/v1/models/{name}/predict\",method=\"POST\",status=\"200\"}"),
        metrics);
    assertTrue(metrics.contains("status=\"400\""), metrics);
    assertTrue(metrics.contains("kiln_serving_request_duration_seconds_bucket{endpoint=\"/v1/models/{name}/predict\","
        + "le=\"0.001\"}"), metrics);
    assertTrue(metrics.contains("kiln_serving_errors_total{code=\"malformed_json\"}"), metrics);
    assertTrue(metrics.contains("kiln_serving_model_version{model=\"churn\"} 1.0"), metrics);
    assertTrue(metrics.contains("kiln_serving_model_loads_total{model=\"churn\",outcome=\"success\"} 1.0"), metrics);
    assertTrue(metrics.contains("kiln_serving_records_scored_total{model=\"churn\",version=\"1\"}"), metrics);
  }

  @Test
  void theOpenApiDescriptionListsTheInputs() {
    Http.Response response = http.get("/openapi.json");
    assertEquals(200, response.status());
    JsonNode api = response.json();
    assertTrue(api.get("openapi").asText().startsWith("3."), api.toString());
    for (String path : new String[] {"/v1/models/{name}/predict", "/v1/models", "/v1/models/{name}", "/health/live",
        "/health/ready", "/metrics"}) {
      assertTrue(api.get("paths").has(path), path);
    }
    assertTrue(api.get("paths").get("/v1/models/{name}/predict").get("post").get("responses").has("422"));
    JsonNode record = api.get("components").get("schemas").get("Record");
    assertEquals("integer", record.get("properties").get("tenure").get("type").asText());
    assertEquals("number", record.get("properties").get("charges").get("type").asText());
    assertEquals("string", record.get("properties").get("plan").get("type").asText());
    assertTrue(record.get("properties").get("plan").get("nullable").asBoolean());
    assertEquals(3, record.get("required").size());
    assertFalse(record.get("additionalProperties").asBoolean(true));
    assertFalse(api.has("security"), "no token, no security requirement");
  }

  @Test
  void readinessIs503AndPredictIs503UntilAModelLoads() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ModelLoader slow = version -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new FakeScorer(version.version());
    };
    try (ModelServer loading = new ModelServer(ServerSettings.of(ModelRef.parse("churn@champion")).withPort(0),
        registry, slow, Optional.empty()).start()) {
      Http client = new Http(loading.port());
      Http.Response ready = client.get("/health/ready");
      assertEquals(503, ready.status(), ready.toString());
      assertEquals("loading", ready.json().get("status").asText());
      assertEquals(200, client.get("/health/live").status());
      Http.Response predict = client.post(PREDICT, RECORD);
      assertEquals(503, predict.status(), predict.toString());
      assertEquals("not_ready", error(predict).get("code").asText());
      assertEquals(0, client.get("/v1/models").json().get("models").size());
      assertTrue(client.get("/metrics").body().contains("kiln_serving_model_version{model=\"churn\"} 0.0"));
      release.countDown();
      client.awaitReady(Duration.ofSeconds(30));
      assertEquals(200, client.post(PREDICT, RECORD).status());
    }
  }

  /** Sends {@code requestLine} and a minimal header over a plain socket; returns the answer's status line. */
  private String rawStatusLine(String requestLine) {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write((requestLine + "\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
          java.nio.charset.StandardCharsets.US_ASCII)).readLine();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void assertInvalid(String body, String code, String field) {
    Http.Response response = http.post(PREDICT, body);
    assertEquals(422, response.status(), body + " -> " + response);
    JsonNode error = error(response);
    assertEquals(code, error.get("code").asText(), response.toString());
    assertEquals(field, error.get("field").asText(), response.toString());
    assertTrue(error.get("message").asText().contains(field), response.toString());
    assertFalse(error.has("index"), "a single record has no index: " + response);
  }

  private static JsonNode error(Http.Response response) {
    JsonNode error = response.json().get("error");
    assertNotNull(error, response.toString());
    return error;
  }
}
