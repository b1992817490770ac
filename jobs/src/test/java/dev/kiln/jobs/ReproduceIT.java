package dev.kiln.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.generate.ChurnDataGenerator;
import dev.kiln.jobs.cli.KilnCli;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelVersion;
import dev.kiln.testing.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry issue's reproducibility check: a version retrained from its record measures the same. */
class ReproduceIT {

  @TempDir
  Path dir;

  @Test
  void aVersionRetrainedFromItsRecordMeasuresTheSameEvenAfterTheSourceChanged() throws IOException {
    SparkSession spark = SharedSpark.session();
    String table = "file:" + dir.resolve("customers");
    new ChurnDataGenerator(ChurnDataGenerator.Spec.of(8000, 21)).generate(spark, 2)
        .write().format("delta").save(table);
    Path conf = dir.resolve("churn.conf");
    Files.writeString(conf, """
        warehouse = "%s"
        pipeline.name = churn-repro
        source { format = delta, path = "%s" }
        sample { fraction = 0.9, seed = 3 }
        clean.dedup { key = [customer_id], latest-by = updated_at }
        features {
          label = churned
          numeric = [tenure_months, monthly_charges, total_charges, support_calls, age]
          categorical = [country, plan, contract, payment_method]
        }
        model { algorithm = gbt, params { maxIter = 8, maxDepth = 4, seed = 11 } }
        evaluation.split-by = [customer_id]
        spark { partitions = 3, conf { "spark.hadoop.fs.s3a.secret.key" = "not-used-but-secret" } }
        """.formatted(dir.resolve("warehouse"), table));
    String registry = dir.resolve("warehouse/registry").toString();

    KilnCli.Outcome trained = KilnCli.run("run", conf.toString());
    assertEquals(0, trained.exitCode(), trained.toString());

    // New rows arrive after training: the source's latest version is no longer the one the model saw.
    new ChurnDataGenerator(ChurnDataGenerator.Spec.of(2000, 22)).generate(spark, 1)
        .write().format("delta").mode("append").save(table);

    KilnCli.Outcome withoutSecret = KilnCli.run("reproduce", "churn-repro@1", "--registry", registry);
    assertEquals(2, withoutSecret.exitCode(), withoutSecret.toString());
    assertTrue(withoutSecret.err().contains("spark.conf.\"spark.hadoop.fs.s3a.secret.key\": was redacted when "
        + "recorded"), withoutSecret.err());
    assertTrue(!withoutSecret.err().contains("not-used-but-secret") && !withoutSecret.out().contains(
        "not-used-but-secret"), "the secret is never shown");

    KilnCli.Outcome reproduced = KilnCli.run("reproduce", "churn-repro@1", "--registry", registry, "--register",
        "--conf", "spark.conf.\"spark.hadoop.fs.s3a.secret.key\"=given-again");
    assertEquals(0, reproduced.exitCode(), reproduced.toString());
    assertTrue(reproduced.out().contains("churn-repro@1 reproduced: every metric within 1.0E-9"), reproduced.out());

    DeltaRegistry versions = new DeltaRegistry(spark, "file:" + registry);
    ModelVersion original = versions.get("churn-repro", 1).orElseThrow();
    ModelVersion copy = versions.get("churn-repro", 2).orElseThrow();
    assertEquals(Optional.of(0L), original.lineage().sourceVersion());
    assertEquals(Optional.of(0L), copy.lineage().sourceVersion(), "read at the pinned version, not the latest (1)");
    assertEquals(original.ledger(), copy.ledger());
    for (String metric : List.of("auc_roc", "auc_pr", "accuracy", "log_loss", "f1")) {
      assertEquals(original.metrics().get(metric), copy.metrics().get(metric), 1e-9, metric);
    }
    assertEquals(Map.of("reproduction_of", "churn-repro@1"), copy.tags());

    // Without the pin the same config sees the new rows.
    KilnCli.Outcome latest = KilnCli.run("run", conf.toString());
    assertEquals(0, latest.exitCode(), latest.toString());
    assertNotEquals(original.ledger(), versions.get("churn-repro", 3).orElseThrow().ledger());
  }
}
