package dev.kiln.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.config.PipelineConfig.MonitoringConfig;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.evaluate.BinaryClassificationMetrics;
import dev.kiln.monitor.RecentData.DateWindow;
import dev.kiln.registry.ModelVersion;
import dev.kiln.testing.UsesSpark;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A monitoring run from the prediction log's table: two days of churn@3's predictions (the second with its
 * {@code amount} shifted), a labels table, and what the run makes of them: checks, the Delta table, the JSON
 * result and the report.
 */
@UsesSpark
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MonitoringTest {

  static final LocalDate DAY_ONE = LocalDate.parse("2026-11-21");
  static final LocalDate DAY_TWO = LocalDate.parse("2026-11-22");
  /** Held-out metrics the version registered: the live AUC falls well below 0.99, accuracy not below 0.5. */
  static final Map<String, Double> REGISTERED = Map.of("auc_roc", 0.99, "accuracy", 0.5, "log_loss", 0.6);

  private DriftBaseline baseline;
  private ModelVersion version;
  private String log;
  private String labels;
  private Path dir;

  @BeforeAll
  void logTwoDaysOfPredictions(SparkSession spark, @TempDir Path dir) {
    this.dir = dir;
    Dataset<Row> training = renamed(DriftAnalysisTest.rows(spark, 3_000, 1, DriftAnalysisTest.TRAINING_COLUMNS));
    baseline = DriftBaseline.compute(training, DriftAnalysisTest.inputFields(training), Set.of(),
        DriftAnalysisTest.heldOut(spark, 1_000, 2), "binary", new DriftBaseline.Options(10, 50));
    version = new ModelVersion("churn", 3, "run-3", Instant.now(), "file:" + dir.resolve("run-3/model"), REGISTERED,
        Map.of(), null, Map.of(), "", "", "{}", Map.of());

    // The prediction log's table as kiln ingest-predictions writes it; "price-plan" is stored as price_plan.
    Dataset<Row> dayOne = logged(DriftAnalysisTest.rows(spark, 1_200, 8, DriftAnalysisTest.TRAINING_COLUMNS),
        DAY_ONE, 3);
    Dataset<Row> dayTwo = logged(DriftAnalysisTest.rows(spark, 1_200, 9, DriftAnalysisTest.TRAINING_COLUMNS
        .replace("50 + 10 * randn(SEED)", "65 + 10 * randn(SEED)")), DAY_TWO, 3);
    Dataset<Row> otherVersion = logged(DriftAnalysisTest.rows(spark, 50, 7, DriftAnalysisTest.TRAINING_COLUMNS),
        DAY_TWO, 2);
    log = "file:" + dir.resolve("predictions/churn");
    dayOne.unionByName(dayTwo).unionByName(otherVersion).write().format("delta").partitionBy("date").save(log);

    // Labels of most requests: churned when the amount is above about 50 (so the model has signal, not all of it).
    labels = "file:" + dir.resolve("labels");
    dayOne.unionByName(dayTwo).where("id % 10 <> 0")
        .selectExpr("request_id", "cast(inputs.amount + 15 * randn(5) > 52 as int) as churned")
        .write().format("delta").save(labels);
  }

  @Test
  void aDayOfShiftedPredictionsIsJudgedWrittenOnceAndReported(SparkSession spark) throws Exception {
    RecentData recent = RecentData.predictionLog(spark, log, "churn", 3, baseline.inputs(),
        DateWindow.ending(DAY_TWO, 1));
    DriftAnalysis drift = DriftAnalysis.of(baseline, recent);
    assertEquals(Map.of(DAY_TWO, 1_200L), drift.rowsByDay(), "version 2's rows and day one are not read");
    LiveMetrics live = LiveMetrics.measure(recent, LiveMetrics.labels(spark, labels, "request_id", "churned"),
        "binary");
    assertEquals(1_080, live.rows());
    MonitorOutcome outcome = MonitorOutcome.judge(version, DAY_TWO, recent, baseline, drift, Optional.of(live),
        MonitoringConfig.DEFAULTS);

    assertTrue(outcome.driftDetected());
    List<String> crossed = outcome.crossed().stream()
        .map(c -> c.column().orElse("(model)") + " " + c.metric()).toList();
    assertTrue(crossed.containsAll(List.of("amount psi", "amount ks", "probability ks", "(model) auc_roc")),
        crossed.toString());
    assertFalse(crossed.stream().anyMatch(c -> c.startsWith("price-plan") || c.startsWith("age")
        || c.startsWith("promo")), crossed.toString());
    assertFalse(crossed.contains("(model) accuracy"), "accuracy stays above 0.5 − 0.05: " + crossed);
    assertTrue(outcome.notes().contains("not measured (dates, timestamps and other types): signed_up"),
        outcome.notes().toString());

    // The table: one commit per run; a re-run replaces its rows.
    String table = MonitoringTable.defaultLocation(dir.resolve("warehouse").toString(), "churn");
    MonitoringTable.write(spark, table, outcome);
    long rows = spark.read().format("delta").load(table).count();
    assertEquals(outcome.checks().size(), rows);
    MonitoringTable.write(spark, table, MonitorOutcome.judge(version, DAY_TWO, recent, baseline, drift,
        Optional.of(live), MonitoringConfig.DEFAULTS));
    MonitoringTable.write(spark, table, MonitorOutcome.judge(version, DAY_ONE, recent, baseline, drift,
        Optional.empty(), MonitoringConfig.DEFAULTS));
    Dataset<Row> written = spark.read().format("delta").load(table);
    assertEquals(rows, written.where("run_date = DATE'2026-11-22'").count(), "the re-run replaced its rows");
    assertTrue(written.where("run_date = DATE'2026-11-21'").count() > 0, "another run date is added");
    Row amountPsi = written.where("run_date = DATE'2026-11-22' AND column_name = 'amount' AND metric = 'psi'")
        .head();
    assertTrue(amountPsi.<Boolean>getAs("crossed"));
    assertEquals(0.2, amountPsi.<Double>getAs("threshold"));
    assertEquals(3L, amountPsi.<Long>getAs("model_version"));

    JsonNode result = new ObjectMapper().readTree(outcome.resultJson("file:/r.html", table));
    assertEquals("drift", result.get("status").asText());
    assertEquals(1_200, result.get("rows").asLong());
    assertEquals(1_080, result.get("labelled_rows").asLong());
    assertTrue(result.get("drift_detected").asBoolean());
    assertEquals("2026-11-22", result.get("run_date").asText());
    JsonNode first = result.get("crossed").get(0);
    assertEquals("amount", first.get("column").asText());
    assertEquals("psi", first.get("metric").asText());
    assertEquals(0.2, first.get("threshold").asDouble());

    String html = MonitoringReport.render(outcome);
    assertTrue(html.contains("Content-Security-Policy") && !html.contains("<script"));
    for (String hook : List.of("id=\"crossed\"", "id=\"psi\"", "class=\"threshold\"", "id=\"drift\"",
        "data-column=\"price-plan\"", "id=\"live\"", "data-metric=\"auc_roc\"",
        outcome.crossed().size() + " thresholds crossed")) {
      assertTrue(html.contains(hook), hook);
    }
  }

  @Test
  void liveMetricsAgreeWithTheEvaluationOfTheSameRows(SparkSession spark) {
    RecentData recent = RecentData.predictionLog(spark, log, "churn", 3, baseline.inputs(),
        DateWindow.ending(DAY_TWO, 2));
    Dataset<Row> labelled = LiveMetrics.labels(spark, labels, "request_id", "churned");
    LiveMetrics live = LiveMetrics.measure(recent, labelled, "binary");
    assertEquals(List.of(DAY_ONE, DAY_TWO), List.copyOf(live.days().keySet()));
    assertEquals(2_160, live.rows());

    Dataset<Row> joined = spark.read().format("delta").load(log).where("model_version = 3")
        .join(spark.read().format("delta").load(labels), "request_id")
        .selectExpr("date", "outputs.prediction as prediction", "cast(churned as double) as churned",
            "outputs.probability as probability");
    joined = joined.withColumn("probability", org.apache.spark.ml.functions.array_to_vector(
        joined.col("probability")));
    for (LocalDate day : List.of(DAY_ONE, DAY_TWO)) {
      Map<String, Double> expected = BinaryClassificationMetrics.of(joined.where("date = DATE'" + day + "'"),
          "churned");
      for (String metric : List.of("auc_roc", "accuracy", "log_loss")) {
        assertEquals(expected.get(metric), live.days().get(day).metrics().get(metric), 1e-9, day + " " + metric);
      }
    }
    Map<String, Double> window = BinaryClassificationMetrics.of(joined, "churned");
    for (String metric : List.of("auc_roc", "accuracy", "log_loss")) {
      assertEquals(window.get(metric), live.window().metrics().get(metric), 1e-9, "window " + metric);
    }
  }

  @Test
  void aWindowOfTwoDaysIsItsDaysMerged(SparkSession spark) {
    RecentData both = RecentData.predictionLog(spark, log, "churn", 3, baseline.inputs(),
        DateWindow.ending(DAY_TWO, 2));
    DriftAnalysis drift = DriftAnalysis.of(baseline, both);
    assertEquals(Map.of(DAY_ONE, 1_200L, DAY_TWO, 1_200L), drift.rowsByDay());
    DriftAnalysis.ColumnDrift amount = drift.inputs().get(0);
    assertEquals(2_400, amount.recent().rows());
    DriftAnalysis dayOne = DriftAnalysis.of(baseline, RecentData.predictionLog(spark, log, "churn", 3,
        baseline.inputs(), DateWindow.ending(DAY_ONE, 1)));
    DriftAnalysis dayTwo = DriftAnalysis.of(baseline, RecentData.predictionLog(spark, log, "churn", 3,
        baseline.inputs(), DateWindow.ending(DAY_TWO, 1)));
    assertEquals(dayOne.inputs().get(0).recent().merge(dayTwo.inputs().get(0).recent()).counts(),
        amount.recent().counts());
    assertTrue(dayOne.inputs().get(0).psi() < 0.05 && dayTwo.inputs().get(0).psi() > 0.5);
  }

  @Test
  void missingTablesColumnsAndIdsAreNamed(SparkSession spark) {
    InvalidInputException noLog = assertThrows(InvalidInputException.class, () -> RecentData.predictionLog(spark,
        "file:" + dir.resolve("nowhere"), "churn", 3, baseline.inputs(), DateWindow.ending(DAY_TWO, 1)));
    assertTrue(noLog.getMessage().startsWith("there is no prediction log table at file:" + dir.resolve("nowhere")),
        noLog.getMessage());
    List<ColumnBaseline> more = new java.util.ArrayList<>(baseline.inputs());
    more.add(new ColumnBaseline("tenure-months", Buckets.numeric(List.of(), List.of()), BucketCounts.empty(1)));
    InvalidInputException noInput = assertThrows(InvalidInputException.class, () -> RecentData.predictionLog(spark,
        log, "churn", 3, more, DateWindow.ending(DAY_TWO, 1)));
    assertEquals("the prediction log table " + log + " has no input 'tenure-months' (inputs.tenure_months): it does "
        + "not hold the inputs of churn@3", noInput.getMessage());
    InvalidInputException noLabel = assertThrows(InvalidInputException.class,
        () -> LiveMetrics.labels(spark, labels, "request_id", "will_churn"));
    assertTrue(noLabel.getMessage().startsWith("the labels table " + labels + " has no column 'will_churn' "
        + "(monitoring.labels.label-column; its columns: request_id, churned)"), noLabel.getMessage());

    String scored = "file:" + dir.resolve("scored");
    spark.read().format("delta").load(log).selectExpr("inputs.*", "outputs.*", "model", "model_version",
        "date as run_date").write().parquet(scored);
    RecentData withoutIds = RecentData.scoredTable(spark, scored, "churn", 3, baseline.inputs().stream()
        .map(c -> c.name().equals("price-plan") ? new ColumnBaseline("price_plan", c.buckets(), c.counts()) : c)
        .toList(), DateWindow.ending(DAY_TWO, 1), Optional.empty());
    InvalidConfigException noId = assertThrows(InvalidConfigException.class, () -> LiveMetrics.measure(withoutIds,
        LiveMetrics.labels(spark, labels, "request_id", "churned"), "binary"));
    assertTrue(noId.getMessage().contains("monitoring.labels.id-column: is required to join labels to a scored "
        + "table"), noId.getMessage());
  }

  /** The training frame with {@code plan} named as a column Avro cannot name. */
  private static Dataset<Row> renamed(Dataset<Row> rows) {
    return rows.withColumnRenamed("plan", "price-plan");
  }

  /** {@code rows} as the ingested prediction log holds them: inputs and outputs in structs. */
  private static Dataset<Row> logged(Dataset<Row> rows, LocalDate day, long version) {
    return DriftAnalysisTest.withOutputs(rows, false).selectExpr(
        "concat('v" + version + "-" + day + "-', id) as request_id", "id",
        "timestamp'" + day + " 12:00:00' as time", "'churn' as model", version + "L as model_version",
        "250L as latency_micros",
        "named_struct('amount', amount, 'price_plan', plan, 'age', age, 'promo', promo, 'signed_up', signed_up) "
            + "as inputs",
        "named_struct('prediction', prediction, 'probability', probability, 'predicted_label', "
            + "cast(null as string)) as outputs",
        "DATE'" + day + "' as date", "'version=" + version + "/date=" + day + "/part-1.avro' as source_file",
        "current_timestamp() as ingested_at");
  }
}
