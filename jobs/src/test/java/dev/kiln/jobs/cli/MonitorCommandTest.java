package dev.kiln.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.generate.ChurnDataGenerator;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelArtifacts;
import dev.kiln.registry.ModelRef;
import dev.kiln.testing.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln monitor} on a model {@code kiln run} trained and registered (with its baseline): a day of unshifted
 * predictions in a scored table exits 0; a day of predictions with shifted charges in the prediction log's table,
 * with labels, exits 3 with its JSON result, its rows in the monitoring table (once, however often it runs) and
 * its report; a day without predictions exits 2.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MonitorCommandTest {

  static final String DAY_ONE = "2026-11-21";
  static final String DAY_TWO = "2026-11-22";

  private Path dir;
  private Path conf;

  @BeforeAll
  void trainAndPredictTwoDays(@TempDir Path dir) throws IOException {
    this.dir = dir;
    conf = dir.resolve("monitor.conf");
    Files.writeString(conf, """
        warehouse = "%s"
        pipeline.name = monitor-cli
        source { format = generated, generated { rows = 3000, seed = 3 } }
        features { label = churned, numeric = [tenure_months, monthly_charges], categorical = [plan] }
        model { algorithm = logistic-regression, params { maxIter = 10 } }
        spark.partitions = 2
        """.formatted(dir.resolve("wh")));
    KilnCli.Outcome run = KilnCli.run("run", conf.toString());
    assertEquals(0, run.exitCode(), run.toString());
    String registry = dir.resolve("wh/registry").toString();
    assertEquals(0, KilnCli.run("models", "alias", "monitor-cli", "champion", "1", "--registry", registry)
        .exitCode());

    SparkSession spark = SharedSpark.session();
    PipelineModel model = ModelArtifacts.load(new DeltaRegistry(spark, "file:" + registry)
        .resolve(ModelRef.parse("monitor-cli@1")));
    // Day one, as kiln score writes it: inputs as columns, outputs, run_date.
    predictions(spark, model, 11, "monthly_charges", DAY_ONE).selectExpr("tenure_months", "monthly_charges",
            "plan", "prediction", "probability", "'monitor-cli' as model", "1L as model_version",
            "current_timestamp() as scored_at", "DATE'" + DAY_ONE + "' as run_date")
        .write().partitionBy("run_date").parquet(dir.resolve("scored").toString());
    // Day two, with charges half as high again, in the prediction log's table, and its labels.
    Dataset<Row> dayTwo = predictions(spark, model, 12, "monthly_charges * 1.5 + 20", DAY_TWO).cache();
    dayTwo.selectExpr("request_id", "timestamp'" + DAY_TWO + " 09:30:00' as time", "'monitor-cli' as model",
            "1L as model_version", "180L as latency_micros",
            "named_struct('tenure_months', tenure_months, 'monthly_charges', monthly_charges, 'plan', plan) "
                + "as inputs",
            "named_struct('prediction', prediction, 'probability', probability, 'predicted_label', "
                + "cast(null as string)) as outputs",
            "DATE'" + DAY_TWO + "' as date", "'version=1/date=" + DAY_TWO + "/part-0.avro' as source_file",
            "current_timestamp() as ingested_at")
        .write().format("delta").partitionBy("date").save(dir.resolve("wh/predictions/monitor-cli").toString());
    dayTwo.select("request_id", "churned").write().format("delta").save(dir.resolve("labels").toString());
    dayTwo.unpersist();
  }

  /** 1,500 generated customers, {@code charges} as their monthly charges, scored by {@code model}. */
  private static Dataset<Row> predictions(SparkSession spark, PipelineModel model, long seed, String charges,
      String day) {
    Dataset<Row> customers = new ChurnDataGenerator(ChurnDataGenerator.Spec.of(1500, seed)).generate(spark, 2)
        .withColumn("monthly_charges", org.apache.spark.sql.functions.expr(charges));
    Dataset<Row> scored = model.transform(customers);
    return scored.withColumn("probability", org.apache.spark.ml.functions.vector_to_array(scored.col("probability"),
            "float64"))
        .withColumn("request_id", org.apache.spark.sql.functions.expr("concat('" + day + "-', uuid())"));
  }

  @Test
  void aShiftedDayExitsThreeWithItsResultTableRowsAndReport() throws IOException {
    Path result = dir.resolve("result.json");
    KilnCli.Outcome shifted = monitor(DAY_TWO, "--labels", dir.resolve("labels").toString(), "--result",
        result.toString());
    assertEquals(3, shifted.exitCode(), shifted.toString());
    assertTrue(shifted.out().contains("kiln monitor monitor-cli@1 on " + DAY_TWO), shifted.out());
    assertTrue(shifted.out().matches("(?s).*crossed +\\d+: .*monthly_charges psi .*"), shifted.out());
    assertTrue(shifted.err().contains("[kiln] drift     1,500 predictions of monitor-cli@1 in prediction log"),
        shifted.err());

    JsonNode json = new ObjectMapper().readTree(result.toFile());
    assertEquals("drift", json.get("status").asText());
    assertEquals("monitor-cli", json.get("model").asText());
    assertEquals(1, json.get("version").asLong());
    assertEquals(DAY_TWO, json.get("run_date").asText());
    assertEquals(1500, json.get("rows").asLong());
    assertTrue(json.get("labelled_rows").asLong() > 1000, json.toString());
    assertTrue(json.get("drift_detected").asBoolean());
    List<String> crossed = new ArrayList<>();
    json.get("crossed").forEach(c -> crossed.add(c.get("column").asText() + " " + c.get("metric").asText()));
    assertTrue(crossed.containsAll(List.of("monthly_charges psi", "monthly_charges ks")), crossed.toString());
    assertFalse(crossed.contains("tenure_months psi") || crossed.contains("plan psi"), crossed.toString());
    String report = json.get("report").asText();
    assertEquals("file:" + dir.resolve("wh/pipelines/monitor-cli/reports/monitor-monitor-cli-v1-" + DAY_TWO
        + ".html"), report);
    String html = Files.readString(Path.of(java.net.URI.create(report)));
    assertTrue(html.contains("id=\"live\"") && html.contains("data-column=\"monthly_charges\"")
        && !html.contains("<script"));

    String table = json.get("table").asText();
    assertEquals("file:" + dir.resolve("wh/monitoring/monitor-cli"), table);
    long rows = SharedSpark.session().read().format("delta").load(table).where("run_date = DATE'" + DAY_TWO + "'")
        .count();
    assertTrue(rows > 10, rows + " rows");
    assertEquals(3, monitor(DAY_TWO, "--labels", dir.resolve("labels").toString()).exitCode());
    Dataset<Row> written = SharedSpark.session().read().format("delta").load(table)
        .where("run_date = DATE'" + DAY_TWO + "'");
    assertEquals(rows, written.count(), "a re-run replaces its rows");
    assertEquals(1, written.where("column_name = 'monthly_charges' AND metric = 'psi' AND crossed").count());
    assertEquals(1, written.where("column_name IS NULL AND metric = 'auc_roc' AND day IS NULL").count());
  }

  @Test
  void anUnshiftedDayOfAScoredTableExitsZero() {
    KilnCli.Outcome same = monitor(DAY_ONE, "--input", dir.resolve("scored").toString());
    assertEquals(0, same.exitCode(), same.toString());
    assertTrue(same.out().contains("crossed    none: no threshold crossed"), same.out());
    assertTrue(same.out().contains("input      scored table file:" + dir.resolve("scored") + ", " + DAY_ONE),
        same.out());
  }

  @Test
  void aDayWithoutPredictionsExitsTwoAndSaysSoInTheResult() throws IOException {
    Path result = dir.resolve("empty.json");
    KilnCli.Outcome empty = monitor("2026-11-25", "--result", result.toString());
    assertEquals(2, empty.exitCode(), empty.toString());
    assertTrue(empty.err().contains("only 0 predictions of monitor-cli@1 in the prediction log file:"
        + dir.resolve("wh/predictions/monitor-cli") + " on 2026-11-25, fewer than monitoring.min-rows (100): "
        + "nothing was judged"), empty.err());
    JsonNode json = new ObjectMapper().readTree(result.toFile());
    assertEquals("insufficient_data", json.get("status").asText());
    assertFalse(json.get("drift_detected").asBoolean());
  }

  @Test
  void dryRunHelpAndBadArgumentsStartNoSpark() {
    KilnCli.Outcome dry = KilnCli.run("monitor", conf.toString(), "--run-date", DAY_TWO, "--dry-run",
        "--conf", "monitoring.window-days=7");
    assertEquals(0, dry.exitCode(), dry.toString());
    assertTrue(dry.out().contains("monitor monitor-cli@champion: prediction log file:"
        + dir.resolve("wh/predictions/monitor-cli") + " on 2026-11-16 to " + DAY_TWO), dry.out());

    KilnCli.Outcome help = KilnCli.run("monitor", "--help");
    assertEquals(0, help.exitCode());
    for (String expected : List.of("Example:", "--run-date", "--model", "--predictions", "--input", "--labels",
        "--result", "--dry-run", "a drift or live-metric threshold was crossed")) {
      assertTrue(help.out().contains(expected), expected + " in:\n" + help.out());
    }
    KilnCli.Outcome badDate = KilnCli.run("monitor", conf.toString(), "--run-date", "22/11/2026", "--dry-run");
    assertEquals(2, badDate.exitCode(), badDate.toString());
    KilnCli.Outcome both = KilnCli.run("monitor", conf.toString(), "--run-date", DAY_TWO, "--input", "a",
        "--predictions", "b", "--dry-run");
    assertEquals(2, both.exitCode(), both.toString());
    assertTrue(both.err().contains("mutually exclusive"), both.err());
    KilnCli.Outcome badModel = KilnCli.run("monitor", conf.toString(), "--run-date", DAY_TWO, "--model", "../x",
        "--dry-run");
    assertEquals(2, badModel.exitCode(), badModel.toString());
  }

  private KilnCli.Outcome monitor(String day, String... more) {
    List<String> args = new ArrayList<>(List.of("monitor", conf.toString(), "--run-date", day));
    args.addAll(List.of(more));
    return KilnCli.run(args.toArray(String[]::new));
  }
}
