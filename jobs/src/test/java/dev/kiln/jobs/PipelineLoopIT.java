package dev.kiln.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.jobs.cli.KilnCli;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelVersion;
import dev.kiln.testing.SharedSpark;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole loop through the CLI on generated data, as a user runs it: step by step, then in one go. */
class PipelineLoopIT {

  @TempDir
  Path dir;

  @Test
  void stepByStepAndInOneGoGiveTheSameModel() throws IOException {
    SparkSession spark = SharedSpark.session();
    String data = dir.resolve("churn-parquet").toString();
    KilnCli.Outcome generated = KilnCli.run("generate", "--rows", "20000", "--seed", "5", "--format", "parquet",
        "--output", data);
    assertEquals(0, generated.exitCode(), generated.toString());
    assertTrue(generated.out().contains("20,000: 18,600 customers, 1,000 re-sent records, 400 exact duplicates"),
        generated.out());

    Path conf = dir.resolve("churn.conf");
    Files.writeString(conf, """
        warehouse = "%s"
        pipeline.name = churn-it
        source { format = parquet, path = "%s" }
        sample { fraction = 0.9, seed = 1 }
        clean.dedup { key = [customer_id], latest-by = updated_at }
        features {
          label = churned
          numeric = [tenure_months, monthly_charges, total_charges, support_calls, age]
          categorical = [country, plan, contract, payment_method]
        }
        model { algorithm = logistic-regression, params { maxIter = 40, regParam = 0.01 } }
        evaluation.split-by = [customer_id]
        spark.partitions = 4
        """.formatted(dir.resolve("warehouse"), data));

    KilnCli.Outcome sample = KilnCli.run("sample", conf.toString());
    assertEquals(0, sample.exitCode(), sample.toString());
    KilnCli.Outcome again = KilnCli.run("sample", conf.toString());
    assertEquals(0, again.exitCode(), again.toString());
    String sampleTable = "file:" + dir.resolve("warehouse/pipelines/churn-it/sample");
    assertEquals(1, DeltaTable.forPath(spark, sampleTable).history(1).head().<Long>getAs("version"),
        "a re-run is one more commit");
    long sampled = spark.read().format("delta").load(sampleTable).count();
    assertEquals(18_000, sampled, 300);
    assertTrue(sample.out().contains(String.format("%,d rows (bernoulli fraction=0.9 seed=1)", sampled)),
        sample.out());
    assertTrue(sample.out().contains("read       20,000 rows"), sample.out());

    KilnCli.Outcome clean = KilnCli.run("clean", conf.toString());
    assertEquals(0, clean.exitCode(), clean.toString());
    KilnCli.Outcome train = KilnCli.run("train", conf.toString());
    assertEquals(0, train.exitCode(), train.toString());
    assertTrue(train.out().contains("churn-it@1 (logistic-regression)"), train.out());
    KilnCli.Outcome evaluate = KilnCli.run("evaluate", conf.toString(), "--model", "churn-it@1");
    assertEquals(0, evaluate.exitCode(), evaluate.toString());

    KilnCli.Outcome run = KilnCli.run("run", conf.toString());
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("churn-it@2"), run.out());
    assertTrue(run.err().contains("[kiln] train"), "progress lines go to stderr: " + run.err());

    DeltaRegistry registry = new DeltaRegistry(spark, "file:" + dir.resolve("warehouse/registry"));
    List<ModelVersion> versions = registry.versions("churn-it");
    assertEquals(2, versions.size());
    ModelVersion stepwise = versions.get(0);
    ModelVersion oneGo = versions.get(1);
    assertEquals(stepwise.ledger(), oneGo.ledger(), "both paths saw the same rows");
    for (String metric : List.of("auc_roc", "auc_pr", "accuracy", "log_loss", "f1", "test_rows")) {
      assertEquals(stepwise.metrics().get(metric), oneGo.metrics().get(metric), 1e-9, metric);
    }
    assertTrue(stepwise.metrics().get("auc_roc") > 0.75, stepwise.metrics().toString());
    assertEquals("file:" + data, stepwise.lineage().sourceUri(), "the step tables carry the source's lineage");
    assertTrue(evaluate.out().contains(dev.kiln.pipeline.TrainingLoop.formatMetrics(stepwise.metrics())),
        "evaluate re-creates the held-out split exactly:\n" + evaluate.out());
    String registryRoot = dir.resolve("warehouse/registry").toString();
    KilnCli.Outcome runs = KilnCli.run("runs", "list", "--registry", registryRoot);
    assertEquals(0, runs.exitCode(), runs.toString());
    assertTrue(runs.out().matches("(?s).*churn-it\\s+SUCCEEDED.*churn-it@2.*churn-it\\s+SUCCEEDED.*churn-it@1.*"),
        "both training runs, newest first:\n" + runs.out());
    KilnCli.Outcome run1 = KilnCli.run("runs", "show", stepwise.runId(), "--registry", registryRoot);
    assertTrue(run1.out().contains("model      churn-it@1"), run1.out());
    assertTrue(run1.out().contains("source     file:" + data), run1.out());
    assertTrue(run1.out().contains("maxIter=40"), "the run records its parameters: " + run1.out());

    // A run that fails after it started is recorded with the reason the user saw.
    // (model.task = auto would make tenure_months a regression label: binary says what this run expects.)
    KilnCli.Outcome failing = KilnCli.run("train", conf.toString(), "--conf", "features.label=tenure_months",
        "--conf", "features.numeric=[age]", "--conf", "model.task=binary");
    assertEquals(2, failing.exitCode(), failing.toString());
    assertTrue(failing.err().contains("label column 'tenure_months' has"), failing.err());
    KilnCli.Outcome afterFailure = KilnCli.run("runs", "list", "--registry", registryRoot, "--limit", "1");
    assertTrue(afterFailure.out().matches("(?s).*churn-it\\s+FAILED.*"), afterFailure.out());

    long sum = stepwise.ledger().get("exact_duplicates") + stepwise.ledger().get("superseded_records")
        + stepwise.ledger().get("quarantined") + stepwise.ledger().get("train_rows")
        + stepwise.ledger().get("test_rows");
    assertEquals(sampled, sum, "every sampled row is accounted for: " + stepwise.ledger());
    assertEquals(0, new dev.kiln.pipeline.RowLedger().putAll(stepwise.ledger()).unaccounted());
  }

  @Test
  void csvSourcesWork() throws IOException {
    SparkSession spark = SharedSpark.session();
    String csv = "file:" + dir.resolve("churn-csv");
    new dev.kiln.generate.ChurnDataGenerator(dev.kiln.generate.ChurnDataGenerator.Spec.of(5000, 9))
        .generate(spark, 2).write().option("header", "true").csv(csv);
    Path conf = dir.resolve("csv.conf");
    Files.writeString(conf, """
        warehouse = "%s"
        pipeline.name = churn-csv
        source { format = csv, path = "%s", options { header = true, inferSchema = true } }
        features { label = churned, numeric = [tenure_months, age], categorical = [contract] }
        """.formatted(dir.resolve("warehouse"), csv));
    KilnCli.Outcome run = KilnCli.run(Map.of(), "run", conf.toString());
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("churn-csv@1"), run.out());
  }
}
