package dev.kiln.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.generate.ChurnDataGenerator;
import dev.kiln.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln score}: predictions per run date, replaced on a re-run, equal to the model's own transform. */
@org.junit.jupiter.api.TestInstance(org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS)
class ScoreCommandTest {

  private Path dir;
  private Path conf;
  private String registry;

  /** One model for the class: training is the slow part. */
  @org.junit.jupiter.api.BeforeAll
  void trainAndPromote(@TempDir Path temp) throws Exception {
    dir = temp;
    conf = dir.resolve("score.conf");
    Files.writeString(conf, """
        warehouse = "%s"
        pipeline.name = churn-score
        source { format = generated, generated { rows = 2000, seed = 5 } }
        features { label = churned, numeric = [tenure_months, monthly_charges], categorical = [plan, contract] }
        model { algorithm = logistic-regression, params { maxIter = 10 } }
        scoring.keep-columns = [customer_id]
        spark.partitions = 2
        """.formatted(dir.resolve("wh")));
    KilnCli.Outcome trained = KilnCli.run("run", conf.toString());
    assertEquals(0, trained.exitCode(), trained.toString());
    registry = dir.resolve("wh/registry").toString();
    assertEquals(0, KilnCli.run("models", "alias", "churn-score", "champion", "1", "--registry", registry)
        .exitCode());
  }

  @Test
  void scoresATablePerRunDateAndReplacesADateOnARerun() throws Exception {
    SparkSession spark = SharedSpark.session();
    String customers = dir.resolve("customers").toString();
    new ChurnDataGenerator(ChurnDataGenerator.Spec.of(1500, 77)).generate(spark, 2).drop("churned").write()
        .format("delta").save(customers);
    String scores = dir.resolve("wh/pipelines/churn-score/scores").toString();

    KilnCli.Outcome dry = KilnCli.run("score", conf.toString(), "--run-date", "2026-11-21", "--input", customers,
        "--dry-run");
    assertEquals(0, dry.exitCode(), dry.toString());
    assertTrue(dry.out().contains("with churn-score@champion → file:" + scores + " (run_date = 2026-11-21)"),
        dry.out());
    assertFalse(Files.exists(Path.of(scores)), "a dry run writes nothing");

    KilnCli.Outcome first = KilnCli.run("score", conf.toString(), "--run-date", "2026-11-21", "--input", customers);
    assertEquals(0, first.exitCode(), first.toString());
    assertTrue(first.out().contains("1,500 rows for run date 2026-11-21"), first.out());
    KilnCli.Outcome again = KilnCli.run("score", conf.toString(), "--run-date", "2026-11-21", "--input", customers);
    assertEquals(0, again.exitCode(), again.toString());
    KilnCli.Outcome nextDay = KilnCli.run("score", conf.toString(), "--run-date", "2026-11-22", "--input", customers,
        "--model", "churn-score@1");
    assertEquals(0, nextDay.exitCode(), nextDay.toString());

    Dataset<Row> written = spark.read().format("delta").load(scores);
    assertEquals(List.of("customer_id", "prediction", "probability", "model", "model_version", "scored_at",
        "run_date"), List.of(written.columns()));
    assertEquals(3000, written.count(), "two dates of 1,500 rows: the re-run replaced its date");
    assertEquals(1500, written.filter("run_date = DATE'2026-11-21'").count());
    assertEquals(List.of("run_date"), List.of((String[]) spark.sql("DESCRIBE DETAIL delta.`" + scores + "`")
        .select("partitionColumns").head().getList(0).toArray(new String[0])));
    // The predictions are the model's own: the same rows through Spark's transform agree.
    org.apache.spark.ml.PipelineModel model = dev.kiln.registry.ModelArtifacts.load(
        new dev.kiln.registry.DeltaRegistry(spark, "file:" + registry).get("churn-score", 1).orElseThrow());
    Dataset<Row> expected = model.transform(spark.read().format("delta").load(customers))
        .selectExpr("customer_id", "prediction as expected");
    long disagreeing = written.filter("run_date = DATE'2026-11-22'").join(expected, "customer_id")
        .filter("prediction <> expected").count();
    assertEquals(0, disagreeing);
    assertEquals(1500, written.filter("run_date = DATE'2026-11-22' and size(probability) = 2 "
        + "and abs(probability[0] + probability[1] - 1) < 1e-9").count());
  }

  /**
   * Two schedulers (or a retry racing the original) score the same date at once, three times: each run either
   * commits, or exits 4 naming the conflict with nothing of it committed; the date always holds one copy of its rows.
   */
  @Test
  void twoRunsForOneDateAtOnceLeaveOneCopyOrExitWithAConflict() throws Exception {
    SparkSession spark = SharedSpark.session();
    String customers = dir.resolve("customers-raced").toString();
    new ChurnDataGenerator(ChurnDataGenerator.Spec.of(3000, 78)).generate(spark, 2).drop("churned").write()
        .format("delta").save(customers);
    String scores = dir.resolve("raced-scores").toString();
    int committed = 0;
    int conflicts = 0;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      for (int round = 1; round <= 3; round++) {
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<KilnCli.Outcome>> runs = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
          runs.add(pool.submit(() -> {
            start.await();
            return KilnCli.run("score", conf.toString(), "--run-date", "2026-11-23", "--input", customers,
                "--output", scores, "--model", "churn-score@1");
          }));
        }
        start.countDown();
        for (java.util.concurrent.Future<KilnCli.Outcome> run : runs) {
          KilnCli.Outcome outcome = run.get(5, java.util.concurrent.TimeUnit.MINUTES);
          if (outcome.exitCode() == 0) {
            committed++;
          } else {
            assertEquals(ExitCodes.CONFLICT, outcome.exitCode(), outcome.toString());
            assertTrue(outcome.err().contains("another run committed to the same table first"), outcome.err());
            assertTrue(outcome.err().contains("nothing of this run was committed: run it again"), outcome.err());
            assertFalse(outcome.err().contains("\tat "), "one message, no stack trace: " + outcome.err());
            conflicts++;
          }
        }
        Dataset<Row> written = spark.read().format("delta").load(scores);
        assertEquals(3000, written.filter("run_date = DATE'2026-11-23'").count(), "round " + round);
        assertEquals(1, written.filter("run_date = DATE'2026-11-23'").select("scored_at").distinct().count(),
            "round " + round + ": the date holds one run's rows, not a mix of two");
        // Every commit is a whole run's: one per run that reported success.
        assertEquals(committed, io.delta.tables.DeltaTable.forPath(spark, scores).history().count(),
            "round " + round);
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf("6 concurrent runs of one date: %d committed, %d exited 4 (conflict)%n", committed, conflicts);
    assertTrue(committed >= 3, "at least one run of each round commits: " + committed);
  }

  @Test
  void aTableWithoutTheModelsColumnsExitsWithTwo() throws Exception {
    SparkSession spark = SharedSpark.session();
    String table = dir.resolve("narrow").toString();
    spark.range(10).selectExpr("id as customer_id", "'basic' as plan").write().format("parquet").save(table);
    KilnCli.Outcome missing = KilnCli.run("score", conf.toString(), "--run-date", "2026-11-21", "--input", table,
        "--conf", "scoring.input-format=parquet", "--model", "churn-score@1");
    assertEquals(2, missing.exitCode(), missing.toString());
    assertTrue(missing.err().contains(table + " lacks the columns tenure_months, monthly_charges, contract that "
        + "churn-score@1 needs"), missing.err());
    KilnCli.Outcome badDate = KilnCli.run("score", conf.toString(), "--run-date", "yesterday", "--input", table);
    assertEquals(2, badDate.exitCode(), badDate.toString());
    assertTrue(badDate.err().contains("--run-date"), badDate.err());
  }
}
