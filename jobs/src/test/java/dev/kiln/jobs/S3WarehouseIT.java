package dev.kiln.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.jobs.cli.KilnCli;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelVersion;
import dev.kiln.testing.SharedSpark;
import dev.kiln.testing.s3.S3ProxyServer;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "The warehouse, the registry and the source can be any Hadoop path", proven on a real S3 server (s3proxy, its own
 * JVM on 127.0.0.1): the whole loop through the CLI with {@code warehouse = "s3a://…"}, so the generated source, the
 * step tables, the registry and the model all live in the bucket; the S3 secret reaches the config only through an
 * environment substitution and is found in no output, registry row or Delta log; preflight probes S3 with the
 * config's settings.
 */
class S3WarehouseIT {

  /** The variable the pipeline file reads the secret from; given to the CLI in its environment map. */
  private static final String SECRET_VARIABLE = "KILN_TEST_S3_SECRET";

  @TempDir
  static Path dir;

  private static S3ProxyServer s3;

  @BeforeAll
  static void startS3() {
    s3 = S3ProxyServer.start(dir.resolve("s3"));
  }

  @AfterAll
  static void stopS3() throws IOException {
    if (s3 == null) {
      return;
    }
    try {
      // The shared session outlives this class: drop its cached client (and thread pools) of this bucket.
      FileSystem.get(URI.create(s3.uri("")), SharedSpark.session().sparkContext().hadoopConfiguration()).close();
    } finally {
      s3.close();
    }
  }

  @Test
  void theLoopRunsWithItsWarehouseOnS3AndTheSecretStaysOut() throws IOException {
    String warehouse = s3.uri("kiln");
    Path conf = pipelineFile("churn-s3.conf", """
        warehouse = "%s"
        pipeline.name = churn-s3
        source { format = generated, generated { rows = 5000, seed = 11 } }
        clean.dedup { key = [customer_id], latest-by = updated_at }
        features {
          label = churned
          numeric = [tenure_months, monthly_charges, total_charges, support_calls, age]
          categorical = [country, plan, contract]
        }
        model { algorithm = logistic-regression, params { maxIter = 20, regParam = 0.01 } }
        evaluation.split-by = [customer_id]
        spark.partitions = 2
        """.formatted(warehouse));
    Map<String, String> env = Map.of(SECRET_VARIABLE, s3.secretKey());

    KilnCli.Outcome run = KilnCli.run(env, "run", conf.toString());
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("churn-s3@1 (logistic-regression)"), run.out());

    SparkSession spark = SharedSpark.session();
    String registryRoot = warehouse + "/registry";
    String versionsTable = registryRoot + "/model_versions";
    assertTrue(DeltaTable.isDeltaTable(spark, versionsTable), versionsTable + " is a Delta table");
    assertEquals(1, spark.read().format("delta").load(versionsTable).count());
    DeltaRegistry registry = new DeltaRegistry(spark, registryRoot);
    ModelVersion first = registry.get("churn-s3", 1).orElseThrow();
    assertTrue(first.artifactUri().startsWith(registryRoot + "/artifacts/churn-s3/"), first.artifactUri());
    assertTrue(first.lineage().sourceUri().startsWith(warehouse + "/generated/churn-5000-seed11"),
        "the generated source lives on S3 too: " + first.lineage().sourceUri());
    assertTrue(first.metrics().get("auc_roc") > 0.6, first.metrics().toString());

    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    org.apache.hadoop.fs.Path artifact = new org.apache.hadoop.fs.Path(first.artifactUri());
    assertTrue(artifact.getFileSystem(hadoop).exists(new org.apache.hadoop.fs.Path(artifact, "metadata")),
        "the model is saved on S3: " + artifact);
    PipelineModel model = PipelineModel.load(first.artifactUri());
    Dataset<Row> scored = model.transform(spark.read().format("delta").load(first.lineage().sourceUri()).limit(20));
    assertEquals(20, scored.select("prediction").count(), "the loaded model scores rows");

    String config = first.config();
    assertTrue(config.contains(s3.endpoint()) && config.contains("<redacted>"),
        "the registry keeps the config, secrets redacted:\n" + config);

    // Step by step on the same warehouse: the step tables are on S3 and carry the lineage to version 2.
    for (String step : List.of("sample", "clean", "train")) {
      KilnCli.Outcome outcome = KilnCli.run(env, step, conf.toString());
      assertEquals(0, outcome.exitCode(), step + ": " + outcome);
      assertSecretAbsent(step + " output", outcome.out() + outcome.err());
    }
    assertTrue(DeltaTable.isDeltaTable(spark, warehouse + "/pipelines/churn-s3/clean"));
    assertEquals(2, spark.read().format("delta").load(versionsTable).count());
    ModelVersion second = registry.get("churn-s3", 2).orElseThrow();
    assertEquals(first.lineage().sourceUri(), second.lineage().sourceUri(),
        "the step tables carry the source's lineage");
    assertEquals(first.ledger(), second.ledger(), "both paths saw the same rows");

    assertSecretAbsent("run output", run.out() + run.err());
    for (ModelVersion version : List.of(first, second)) {
      assertSecretAbsent("config column of " + version.ref(), version.config());
    }
    List<String> deltaLogs = deltaLogJson(warehouse, hadoop);
    assertTrue(deltaLogs.stream().anyMatch(f -> f.startsWith(versionsTable + "/_delta_log/")),
        "the registry's Delta log is among them: " + deltaLogs);
    for (String file : deltaLogs) {
      assertSecretAbsent(file, read(file, hadoop));
    }
    assertNoStoredObjectHoldsTheSecret();
  }

  @Test
  void preflightProbesS3WithTheConfigsSettings() throws IOException {
    String missing = s3.uri("nothing/here");
    Path conf = pipelineFile("missing.conf", """
        source { format = parquet, path = "%s" }
        features { label = churned, numeric = [tenure_months] }
        """.formatted(missing));
    KilnCli.Outcome absent = KilnCli.run(Map.of(SECRET_VARIABLE, s3.secretKey()), "run", conf.toString());
    assertEquals(2, absent.exitCode(), absent.toString());
    assertTrue(absent.err().contains("source.path: no parquet data at " + missing), absent.err());
    assertSecretAbsent("preflight output", absent.out() + absent.err());

    // Data that exists but lacks the label. Written through the shared session, given the same settings.
    SparkSession spark = new SharedSessionFactory().open("write", Optional.empty(), 2, s3.sparkConf());
    String unlabelled = s3.uri("unlabelled");
    spark.range(100).selectExpr("id AS customer_id", "CAST(id % 24 AS INT) AS tenure_months")
        .coalesce(1).write().mode("overwrite").parquet(unlabelled);
    Path labelless = pipelineFile("unlabelled.conf", """
        source { format = parquet, path = "%s" }
        features { label = churned, numeric = [tenure_months] }
        """.formatted(unlabelled));
    KilnCli.Outcome noLabel = KilnCli.run(Map.of(SECRET_VARIABLE, s3.secretKey()), "run", labelless.toString());
    assertEquals(2, noLabel.exitCode(), noLabel.toString());
    assertTrue(noLabel.err().contains("features.label: column 'churned' is not in the source " + unlabelled
        + " (its columns: customer_id, tenure_months)"), noLabel.err());
    assertSecretAbsent("preflight output", noLabel.out() + noLabel.err());
  }

  /**
   * A pipeline file with {@code body} and the S3 settings under {@code spark.conf}: every one written out but the
   * secret, which is a substitution of {@value #SECRET_VARIABLE}.
   */
  private static Path pipelineFile(String name, String body) throws IOException {
    StringBuilder text = new StringBuilder(body).append("spark.conf {\n");
    s3.sparkConf().forEach((key, value) -> text.append("  \"").append(key).append("\" = ")
        .append(key.endsWith(".secret.key") ? "${" + SECRET_VARIABLE + "}" : "\"" + value + "\"").append('\n'));
    text.append("}\n");
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    assertSecretAbsent(file.toString(), text.toString());
    return file;
  }

  /** Every Delta log JSON file under {@code root}, read through Hadoop's FileSystem API. */
  private static List<String> deltaLogJson(String root, Configuration hadoop) throws IOException {
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(root);
    RemoteIterator<LocatedFileStatus> files = path.getFileSystem(hadoop).listFiles(path, true);
    List<String> logs = new ArrayList<>();
    while (files.hasNext()) {
      org.apache.hadoop.fs.Path file = files.next().getPath();
      if (file.getParent().getName().equals("_delta_log") && file.getName().endsWith(".json")) {
        logs.add(file.toString());
      }
    }
    return logs;
  }

  private static String read(String uri, Configuration hadoop) throws IOException {
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(uri);
    try (InputStream in = path.getFileSystem(hadoop).open(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The raw bytes of every object in the bucket, as s3proxy stores them on disk. */
  private static void assertNoStoredObjectHoldsTheSecret() throws IOException {
    byte[] secret = s3.secretKey().getBytes(StandardCharsets.UTF_8);
    List<Path> objects;
    try (Stream<Path> walk = Files.walk(s3.dataDir().resolve(s3.bucket()))) {
      objects = walk.filter(Files::isRegularFile).collect(Collectors.toList());
    }
    Path registryLog = s3.dataDir().resolve(s3.bucket()).resolve("kiln/registry/model_versions/_delta_log");
    assertTrue(objects.stream().anyMatch(o -> o.startsWith(registryLog)),
        "the scan covers the warehouse: " + objects.size() + " objects, none under " + registryLog);
    for (Path object : objects) {
      assertFalse(indexOf(Files.readAllBytes(object), secret) >= 0, "the S3 secret is stored in " + object);
    }
  }

  private static void assertSecretAbsent(String where, String text) {
    assertFalse(text.contains(s3.secretKey()), "the S3 secret appears in " + where);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
