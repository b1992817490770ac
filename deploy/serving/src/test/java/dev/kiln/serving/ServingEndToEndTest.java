package dev.kiln.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.registry.ModelRef;
import dev.kiln.score.InputField;
import dev.kiln.score.InputField.FieldType;
import dev.kiln.testing.UsesSpark;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A real model, trained and registered in the test, served with the real row scorer: the answers over HTTP equal
 * Spark's {@code transform}, and every kind of bad record is a 422 naming its field.
 */
@UsesSpark
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServingEndToEndTest {

  private static final String PREDICT = "/v1/models/" + TrainedModels.NAME + "/predict";

  private TrainedModels models;
  private ModelServer server;
  private Http http;

  @BeforeAll
  void start(SparkSession spark) {
    models = TrainedModels.get();
    models.registry.setAlias(TrainedModels.NAME, "champion", models.first.version(), "end-to-end test");
    server = new ModelServer(ServerSettings.of(ModelRef.parse(TrainedModels.NAME + "@champion")).withPort(0)
        .withReloadInterval(Duration.ofHours(1)), models.registry::resolve, SparkModelLoader.pipelineScorer(spark),
        Optional.empty()).start();
    http = new Http(server.port());
    http.awaitReady(Duration.ofMinutes(2));
  }

  @AfterAll
  void stop() {
    server.close();
  }

  @Test
  void predictionsOverHttpEqualSparksTransform() {
    StringBuilder batch = new StringBuilder("{\"records\": [");
    for (int i = 0; i < models.records.size(); i++) {
      batch.append(i == 0 ? "" : ", ").append(Json.write(models.records.get(i)));
    }
    Http.Response response = http.post(PREDICT, batch.append("]}").toString());
    assertEquals(200, response.status(), response.toString());
    JsonNode predictions = response.json().get("predictions");
    assertEquals(models.records.size(), predictions.size());
    assertEquals(models.first.version(), response.json().get("version").asLong());
    for (int i = 0; i < predictions.size(); i++) {
      double[] spark = models.expected(models.first.version(), i);
      assertEquals(spark[0], predictions.get(i).get("prediction").asDouble(), 1e-9, "record " + i);
      assertEquals(spark[1], predictions.get(i).get("probability").get(1).asDouble(), 1e-9, "record " + i);
    }
    // One record alone gets the same answer as in the batch.
    Http.Response single = http.post(PREDICT, Json.write(models.records.get(3)));
    assertEquals(200, single.status(), single.toString());
    assertEquals(predictions.get(3).get("probability").get(1).asDouble(),
        single.json().get("predictions").get(0).get("probability").get(1).asDouble(), 0.0);
  }

  @Test
  void everyKindOfBadRecordIs422NamingTheField() {
    InputField number = models.inputs.stream().filter(f -> f.type() == FieldType.DOUBLE).findFirst().orElseThrow();
    InputField category = models.inputs.stream().filter(f -> f.type() == FieldType.STRING).findFirst()
        .orElseThrow();
    Map<String, Object> good = models.records.stream().filter(r -> !r.containsValue(null)).findFirst().orElseThrow();

    Map<String, Object> missing = new LinkedHashMap<>(good);
    missing.remove(number.name());
    assertRefused(Json.write(missing), "missing", number.name());

    Map<String, Object> unknown = new LinkedHashMap<>(good);
    unknown.put("favourite_colour", "teal");
    assertRefused(Json.write(unknown), "unknown", "favourite_colour");

    Map<String, Object> wrongType = new LinkedHashMap<>(good);
    wrongType.put(number.name(), "a lot");
    assertRefused(Json.write(wrongType), "wrong_type", number.name());
    Map<String, Object> numberForText = new LinkedHashMap<>(good);
    numberForText.put(category.name(), List.of(1, 2));
    assertRefused(Json.write(numberForText), "wrong_type", category.name());

    String notFinite = Json.write(good).replace("\"" + number.name() + "\":" + good.get(number.name()),
        "\"" + number.name() + "\":NaN");
    assertTrue(notFinite.contains("NaN"), notFinite);
    assertRefused(notFinite, "not_finite", number.name());

    Http.Response batch = http.post(PREDICT, "{\"records\": [" + Json.write(good) + ", " + Json.write(good) + ", "
        + Json.write(wrongType) + "]}");
    assertEquals(422, batch.status(), batch.toString());
    JsonNode error = batch.json().get("error");
    assertEquals("wrong_type", error.get("code").asText());
    assertEquals(number.name(), error.get("field").asText());
    assertEquals(2, error.get("index").asInt());
  }

  @Test
  void theModelDetailAndOpenApiDescribeTheRegisteredVersion() {
    JsonNode model = http.get("/v1/models/" + TrainedModels.NAME).json();
    assertEquals(models.first.version(), model.get("version").asLong());
    assertEquals("champion", model.get("alias").asText());
    assertEquals(models.first.metrics().get("auc_roc"), model.get("metrics").get("auc_roc").asDouble(), 0.0);
    assertEquals("logistic-regression", model.get("algorithm").asText());
    JsonNode inputs = model.get("signature").get("inputs");
    assertEquals(models.inputs.size(), inputs.size());
    for (int i = 0; i < inputs.size(); i++) {
      assertEquals(models.inputs.get(i).name(), inputs.get(i).get("name").asText());
      assertEquals(models.inputs.get(i).type().signatureName(), inputs.get(i).get("type").asText());
    }

    JsonNode record = http.get("/openapi.json").json().get("components").get("schemas").get("Record");
    assertEquals(models.inputs.size(), record.get("required").size());
    for (InputField field : models.inputs) {
      JsonNode property = record.get("properties").get(field.name());
      assertEquals(field.type().numeric() ? (field.type() == FieldType.DOUBLE || field.type() == FieldType.FLOAT
          ? "number" : "integer") : "string", property.get("type").asText(), field.toString());
    }
    assertFalse(record.get("additionalProperties").asBoolean(true));
  }

  private void assertRefused(String body, String code, String field) {
    Http.Response response = http.post(PREDICT, body);
    assertEquals(422, response.status(), body + " -> " + response);
    JsonNode error = response.json().get("error");
    assertEquals(code, error.get("code").asText(), response.toString());
    assertEquals(field, error.get("field").asText(), response.toString());
    assertTrue(error.get("message").asText().contains(field), response.toString());
  }

  /**
   * Ten thousand malformed or hostile requests, seeded: truncated and random JSON, wrong types and non-finite
   * numbers, deep nesting, unknown and unicode field names, control characters, huge numbers and strings, bodies over
   * the limit, wrong methods. Not one may get a 5xx, and the service answers correctly afterwards.
   */
  @Test
  void tenThousandHostileRequestsGetNoServerError() {
    java.util.Random random = new java.util.Random(20261122);
    String good = Json.write(models.records.get(0));
    Map<Integer, Integer> statuses = new java.util.TreeMap<>();
    List<String> serverErrors = new java.util.ArrayList<>();
    Http fresh = http.unpooled();
    int sent = 0;
    for (; sent < 10_000; sent++) {
      int kind = sent % 12;
      Http.Response response;
      if (kind == 11 && sent % 120 == 11) {
        // Over the body limit: the server answers 413 and may close the connection while the client is still
        // sending, which the client sees as no answer at all. Either is a refusal; neither is a server error.
        try {
          response = fresh.post(PREDICT, "{\"records\": [" + (good + ",").repeat(20_000) + good + "]}");
        } catch (java.io.UncheckedIOException closedWhileSending) {
          statuses.merge(-1, 1, Integer::sum);
          continue;
        }
      } else if (kind == 10) {
        response = http.method(List.of("GET", "PUT", "DELETE", "PATCH").get(random.nextInt(4)), PREDICT);
      } else {
        response = http.post(PREDICT, hostileBody(kind, random, good));
      }
      statuses.merge(response.status(), 1, Integer::sum);
      if (response.status() >= 500 && serverErrors.size() < 5) {
        serverErrors.add(response + " for kind " + kind);
      }
    }
    assertEquals(10_000, sent);
    // The tally by status (-1: closed while an oversized body was still being sent), for the reliability report.
    System.out.println("hostile requests by status: " + statuses);
    assertTrue(serverErrors.isEmpty(), "5xx answers: " + serverErrors + "; statuses " + statuses);
    assertTrue(statuses.keySet().stream().allMatch(status -> status < 500), statuses.toString());
    assertTrue(statuses.getOrDefault(422, 0) > 1_000 && statuses.getOrDefault(400, 0) > 1_000, statuses.toString());
    assertEquals(200, http.get("/health/live").status());
    Http.Response after = http.post(PREDICT, good);
    assertEquals(200, after.status(), after.toString());
    assertEquals(models.expected(models.first.version(), 0)[1],
        after.json().get("predictions").get(0).get("probability").get(1).asDouble(), 1e-9);
  }

  /** A request body of one hostile kind (0 to 9), from {@code random}. */
  private String hostileBody(int kind, java.util.Random random, String good) {
    InputField field = models.inputs.get(random.nextInt(models.inputs.size()));
    String name = "\"" + field.name() + "\"";
    String[] wrongValues = {"[]", "{}", "\"\"", "true", "\"NaN\"", "1e400", "-1e400", "\"\\u0000\"",
        "\"" + "x".repeat(10_000) + "\"", "123456789012345678901234567890", "[1, 2, 3]", "{\"a\": 1}",
        "\"\uD83D\uDE00\"", "\"\\uD800\"", "-0", "0.0000000000000000000000001"};
    return switch (kind) {
      case 0 -> good.substring(0, random.nextInt(good.length()));              // truncated
      case 1 -> randomText(random, 1 + random.nextInt(200));                     // noise
      case 2 -> good.replaceFirst(name + "\\s*:\\s*(\"[^\"]*\"|[^,}]*)",
          java.util.regex.Matcher.quoteReplacement(name + ": " + wrongValues[random.nextInt(wrongValues.length)]));
      case 3 -> "[".repeat(1 + random.nextInt(5_000));                          // deep, unterminated
      case 4 -> "{\"records\": " + "[".repeat(200 + random.nextInt(2_000)) + good
          + "]".repeat(200);                                                       // deep, unbalanced
      case 5 -> good.substring(0, good.length() - 1) + ", \"" + randomText(random, 1 + random.nextInt(20))
          .replace("\\", "").replace("\"", "") + "\": 1}";                       // an unknown, odd field name
      case 6 -> "{\"records\": [" + good + ", " + hostileBody(random.nextInt(3), random, good) + "]}";
      case 7 -> "{\"records\": " + wrongValues[random.nextInt(wrongValues.length)] + "}";
      case 8 -> good.replace(name, "\"" + field.name().toUpperCase(java.util.Locale.ROOT) + "\u0301\"");
      default -> "{" + "\"a\": {".repeat(1 + random.nextInt(3_000)) + "}".repeat(random.nextInt(10)) ;
    };
  }

  private static String randomText(java.util.Random random, int length) {
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      int pick = random.nextInt(10);
      text.appendCodePoint(pick < 6 ? 32 + random.nextInt(95) : pick < 8 ? random.nextInt(32)
          : pick < 9 ? 0x80 + random.nextInt(0x700) : 0x1F300 + random.nextInt(0x300));
    }
    return text.toString();
  }
}
