package dev.kiln.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.jobs.cli.KilnCli;
import dev.kiln.jobs.cli.ServeCommandAccess;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelArtifacts;
import dev.kiln.registry.PromotionDecision;
import dev.kiln.testing.SharedSpark;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production loop end to end, through the CLI a scheduler runs: day 1 is generated, trained on and promoted;
 * the service answers and logs; day 2 arrives with another customer mix and churn behaviour, and its labels later;
 * monitoring flags the drift and the fall in live accuracy; retraining trains a challenger on day 2 that beats the
 * champion on day 2's held-out rows and moves the alias; the running service picks the new version up and answers
 * as Spark does with it.
 */
class ProductionLoopIT {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> INPUTS = List.of("tenure_months", "monthly_charges", "support_calls", "contract",
      "payment_method", "plan");

  @TempDir
  Path dir;

  @Test
  void driftIsFlaggedAndTheRetrainedModelIsServedWithoutARestart() throws Exception {
    SparkSession spark = SharedSpark.session();
    String table = dir.resolve("lake/churn").toString();
    String warehouse = dir.resolve("wh").toString();
    String registry = warehouse + "/registry";
    Path conf = dir.resolve("churn-daily.conf");
    Files.writeString(conf, """
        warehouse = "%s"
        pipeline.name = churn-daily
        source { format = delta, path = "%s" }
        clean.dedup { key = [customer_id], latest-by = updated_at }
        features { label = churned, numeric = [tenure_months, monthly_charges, support_calls],
                   categorical = [contract, payment_method, plan] }
        model { algorithm = logistic-regression, params { maxIter = 30 } }
        evaluation { split-by = [customer_id] }
        retraining { margin = 0.01, guardrails.min-test-rows = 300 }
        monitoring { min-rows = 100 }
        spark.partitions = 2
        """.formatted(warehouse, table));

    // Day 1: data, a model, the champion alias.
    run("generate", "--rows", "8000", "--seed", "1", "--output", table);
    run("run", conf.toString());
    run("models", "alias", "churn-daily", "champion", "1", "--registry", registry, "--reason", "day 1");

    int port = ServeCommandAccess.freePort();
    String base = "http://127.0.0.1:" + port;
    Path log = dir.resolve("prediction-log");
    CompletableFuture<KilnCli.Outcome> serving = CompletableFuture.supplyAsync(() -> KilnCli.run("serve",
        "--model", "churn-daily@champion", "--registry", registry, "--port", String.valueOf(port),
        "--reload-interval", "1s", "--prediction-log", log.toString(), "--prediction-log-roll", "1s"));
    try {
      ServeCommandAccess.awaitReady(base + "/health/ready", serving);

      // Day 2's customers reach the service before their outcome is known.
      String day2 = dir.resolve("day2").toString();
      run("generate", "--rows", "8000", "--seed", "2", "--shift", "1", "--start-date", "2026-11-22",
          "--first-customer", "100000", "--output", day2);
      List<Row> traffic = spark.read().format("delta").load(day2).dropDuplicates("customer_id")
          .orderBy("customer_id").limit(600).collectAsList();
      List<Row> labels = new ArrayList<>();
      for (int from = 0; from < traffic.size(); from += 100) {
        List<Row> batch = traffic.subList(from, Math.min(traffic.size(), from + 100));
        JsonNode answer = predict(base, batch);
        assertEquals(1, answer.get("version").asInt(), answer.toString());
        for (int i = 0; i < batch.size(); i++) {
          labels.add(RowFactory.create(answer.get("predictions").get(i).get("request_id").asText(),
              batch.get(i).<Integer>getAs("churned")));
        }
      }
      String labelTable = dir.resolve("labels").toString();
      spark.createDataFrame(labels, new StructType().add("request_id", DataTypes.StringType)
          .add("churned", DataTypes.IntegerType)).write().format("delta").save(labelTable);
      awaitLogged(spark, log.resolve("churn-daily/version=1"), traffic.size());
      run("ingest-predictions", "--log-root", log.toString(), "--model", "churn-daily", "--config", conf.toString());

      // Monitoring: the inputs drifted, and the live metrics with day 2's labels fell.
      String today = LocalDate.now(ZoneOffset.UTC).toString();
      Path result = dir.resolve("monitor.json");
      KilnCli.Outcome monitored = KilnCli.run("monitor", conf.toString(), "--run-date", today, "--labels",
          labelTable, "--result", result.toString());
      assertEquals(3, monitored.exitCode(), "a threshold was crossed: " + monitored);
      JsonNode verdict = JSON.readTree(result.toFile());
      assertTrue(verdict.get("drift_detected").asBoolean(), verdict.toString());
      List<String> crossed = new ArrayList<>();
      verdict.get("crossed").forEach(c -> crossed.add(c.get("column").asText() + ":" + c.get("metric").asText()));
      assertTrue(crossed.stream().anyMatch(c -> c.startsWith("monthly_charges:")), crossed.toString());

      // Day 2 lands in the lake with its labels; retraining learns it and wins on its held-out rows.
      run("generate", "--rows", "8000", "--seed", "2", "--shift", "1", "--start-date", "2026-11-22",
          "--first-customer", "100000", "--append", "--output", table);
      KilnCli.Outcome retrained = run("retrain", conf.toString(), "--run-date", today);
      assertTrue(retrained.out().contains("promoted churn-daily@2 to champion over @1"), retrained.out());
      DeltaRegistry reading = new DeltaRegistry(spark, "file:" + registry);
      PromotionDecision decision = reading.decisions("churn-daily").get(0);
      assertTrue(decision.promoted() && decision.championVersion().orElseThrow() == 1, decision.toString());

      // The running service moves to version 2 by itself and answers as Spark does with it.
      Row customer = traffic.get(7);
      JsonNode answer = awaitVersion(base, customer, 2, serving);
      Dataset<Row> one = spark.createDataFrame(List.of(customer), traffic.get(0).schema());
      Row expected = ModelArtifacts.load(reading.get("churn-daily", 2).orElseThrow()).transform(one)
          .select("prediction", "probability").head();
      JsonNode prediction = answer.get("predictions").get(0);
      assertEquals(expected.getDouble(0), prediction.get("prediction").asDouble(), 1e-9);
      assertEquals(((org.apache.spark.ml.linalg.Vector) expected.get(1)).apply(1),
          prediction.get("probability").get(1).asDouble(), 1e-9);
    } finally {
      ServeCommandAccess.stop();
    }
    KilnCli.Outcome stopped = serving.get(1, TimeUnit.MINUTES);
    assertEquals(0, stopped.exitCode(), stopped.toString());
  }

  private static KilnCli.Outcome run(String... args) {
    KilnCli.Outcome outcome = KilnCli.run(args);
    assertEquals(0, outcome.exitCode(), String.join(" ", args) + "\n" + outcome);
    return outcome;
  }

  private static JsonNode predict(String base, List<Row> rows) throws Exception {
    List<Map<String, Object>> records = new ArrayList<>();
    for (Row row : rows) {
      Map<String, Object> record = new LinkedHashMap<>();
      INPUTS.forEach(column -> record.put(column, row.getAs(column)));
      records.add(record);
    }
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base
            + "/v1/models/churn-daily/predict")).POST(HttpRequest.BodyPublishers.ofString(
            JSON.writeValueAsString(Map.of("records", records)))).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    return JSON.readTree(response.body());
  }

  /** Waits for the log's files to complete (they roll a second after they open) and to hold every prediction. */
  private static void awaitLogged(SparkSession spark, Path versionDirectory, long expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    long logged = 0;
    while (System.nanoTime() < deadline) {
      try {
        logged = spark.read().format("avro").load(versionDirectory.toString()).count();
        if (logged >= expected) {
          return;
        }
      } catch (Exception noCompleteFileYet) {
        // Spark finds no .avro file while the first ones are still being written under hidden names.
      }
      Thread.sleep(500);
    }
    throw new AssertionError("the prediction log holds " + logged + " of " + expected + " predictions");
  }

  private static JsonNode awaitVersion(String base, Row customer, int version,
      CompletableFuture<KilnCli.Outcome> serving) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      if (serving.isDone()) {
        throw new AssertionError("kiln serve ended: " + serving.get());
      }
      JsonNode answer = predict(base, List.of(customer));
      if (answer.get("version").asInt() == version) {
        return answer;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("the service did not move to version " + version + " in time");
  }

}
