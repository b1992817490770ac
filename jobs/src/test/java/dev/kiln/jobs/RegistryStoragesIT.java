package dev.kiln.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.generate.ChurnDataGenerator;
import dev.kiln.jobs.cli.KilnCli;
import dev.kiln.registry.AliasMove;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelRef;
import dev.kiln.registry.ModelVersion;
import dev.kiln.registry.RunRecord;
import dev.kiln.testing.SharedSpark;
import dev.kiln.testing.TestStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The registry's contract ({@code DeltaRegistryTest} on local disk) on the two remote stores Kiln supports: an S3
 * bucket (s3proxy, its own JVM) and HDFS (MiniDFSCluster, its own JVM), each started once for the class. Every check
 * runs on both: racing registrations, alias moves, the runs log, and {@code kiln reproduce} of a version whose source
 * changed after training.
 */
class RegistryStoragesIT extends OnRemoteStorages {

  /**
   * Racing registrations of one name get versions 1..3, none lost. All three writers share this JVM's Spark driver:
   * on S3, Delta's default LogStore (S3SingleDriverLogStore) makes a commit's put-if-absent atomic only among writers
   * in one JVM, which is exactly what this exercises. Writers in several drivers on S3 need Delta's DynamoDB LogStore.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("storages")
  void concurrentRegistrationsGetVersionsOneToThreeAndNoneIsLost(TestStorage storage) throws Exception {
    DeltaRegistry registry = registry(storage, "race");
    int writers = 3;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CyclicBarrier start = new CyclicBarrier(writers);
      List<Future<ModelVersion>> results = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        double auc = 0.6 + i / 100.0;
        results.add(pool.submit(() -> {
          ModelVersion mine = candidate(registry, "race", auc);
          start.await();
          return registry.register(mine);
        }));
      }
      List<Long> versions = new ArrayList<>();
      for (Future<ModelVersion> result : results) {
        versions.add(result.get().version());
      }
      assertEquals(List.of(1L, 2L, 3L), versions.stream().sorted().toList(), "distinct and consecutive: " + versions);
    } finally {
      pool.shutdownNow();
    }
    List<ModelVersion> stored = registry.versions("race");
    assertEquals(List.of(1L, 2L, 3L), stored.stream().map(ModelVersion::version).toList(), "none lost");
    assertEquals(writers, stored.stream().map(ModelVersion::runId).distinct().count(), "distinct run ids");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("storages")
  void aliasesMoveAndKeepTheirHistory(TestStorage storage) {
    DeltaRegistry registry = registry(storage, "aliases");
    registry.register(candidate(registry, "churn", 0.7));
    ModelVersion two = registry.register(candidate(registry, "churn", 0.8));

    registry.setAlias("churn", "champion", 1, "first model");
    registry.setAlias("churn", "champion", 2, "won by 0.1 AUC");

    assertEquals(two, registry.resolve(ModelRef.parse("churn@champion")));
    assertEquals(Map.of("champion", 2L), registry.aliases("churn"));
    List<AliasMove> history = registry.aliasHistory("churn");
    assertEquals(List.of(1L, 2L), history.stream().map(AliasMove::version).toList(), history.toString());
    assertEquals(List.of("first model", "won by 0.1 AUC"), history.stream().map(AliasMove::reason).toList());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("storages")
  void aRunsLatestRecordIsItsState(TestStorage storage) {
    DeltaRegistry registry = registry(storage, "runs");
    RunRecord run = RunRecord.started("run-ok", "churn", "hash1");
    registry.recordRun(run);
    assertEquals(RunRecord.Status.RUNNING, registry.run("run-ok").orElseThrow().status());
    ModelVersion version = registry.register(candidate(registry, "churn", 0.8));
    registry.recordRun(run.succeeded(version));

    RunRecord latest = registry.run("run-ok").orElseThrow();
    assertEquals(RunRecord.Status.SUCCEEDED, latest.status());
    assertEquals(Optional.of("churn@1"), latest.model());
    assertEquals(List.of("run-ok"), registry.runs(Optional.empty(), 10).stream().map(RunRecord::runId).toList());
  }

  /** {@code RetentionGuardTest} on a remote store, plus the CLI's plan: VACUUM keeps what a version was trained on. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("storages")
  void vacuumKeepsTheSourceVersionARegisteredModelReads(TestStorage storage) {
    SparkSession spark = SharedSpark.session();
    String table = storage.uri("vacuum/customers");
    spark.range(100).write().format("delta").save(table);
    spark.range(1000, 1050).write().format("delta").mode("overwrite").save(table);
    DeltaRegistry registry = registry(storage, "vacuum");
    String run = java.util.UUID.randomUUID().toString();
    registry.register(new ModelVersion("churn", 0, run, java.time.Instant.now(),
        registry.artifactLocation("churn", run) + "/model", Map.of("auc_roc", 0.8), Map.of("algorithm", "gbt"),
        new ModelVersion.Lineage(table, "delta", Optional.of(0L), "all", "exact", "hash"), Map.of(), "", "h", "{}",
        Map.of()));

    KilnCli.Outcome plan = KilnCli.run(storage.environment(), "vacuum", table, "--retain-hours", "0", "--dry-run",
        "--registry", storage.uri("contract/vacuum/registry"));
    assertEquals(0, plan.exitCode(), plan.toString());
    assertTrue(plan.out().contains("pinned     version 0") && plan.out().contains("read by churn@1"), plan.out());
    assertTrue(plan.out().contains("(raised from the 0 h asked for)"), plan.out());

    String check = "spark.databricks.delta.retentionDurationCheck.enabled";
    spark.conf().set(check, "false");  // Delta refuses short retentions otherwise; the guard is what is tested
    try {
      dev.kiln.registry.RetentionGuard.Plan done = new dev.kiln.registry.RetentionGuard(spark, registry)
          .vacuum(table, 0, java.time.Instant.now());
      assertTrue(done.usedHours() >= 1, done.toString());
    } finally {
      spark.conf().unset(check);
    }
    assertEquals(4950L, spark.read().format("delta").option("versionAsOf", 0).load(table)
        .selectExpr("sum(id)").head().getLong(0), "version 0's data files survived the vacuum");
  }

  /** {@code ReproduceIT} on a remote store: the source, the warehouse and the registry all live there. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("storages")
  void aVersionIsReproducedThroughTheCliAfterItsSourceChanged(TestStorage storage) throws IOException {
    SparkSession spark = SharedSpark.session();
    String base = storage.uri("reproduce");
    String source = base + "/customers";
    new ChurnDataGenerator(ChurnDataGenerator.Spec.of(4000, 21)).generate(spark, 2)
        .write().format("delta").save(source);
    Path conf = dir.resolve("churn-" + storage.name() + ".conf");
    Files.writeString(conf, """
        warehouse = "%s"
        pipeline.name = churn-repro
        source { format = delta, path = "%s" }
        clean.dedup { key = [customer_id], latest-by = updated_at }
        features {
          label = churned
          numeric = [tenure_months, monthly_charges, total_charges, support_calls, age]
          categorical = [country, plan, contract]
        }
        model { algorithm = logistic-regression, params { maxIter = 10, regParam = 0.01 } }
        evaluation.split-by = [customer_id]
        spark.partitions = 2
        """.formatted(base + "/warehouse", source) + storage.confBlock());
    String registry = base + "/warehouse/registry";

    KilnCli.Outcome trained = KilnCli.run(storage.environment(), "run", conf.toString());
    assertEquals(0, trained.exitCode(), trained.toString());
    assertTrue(trained.out().contains("churn-repro@1 (logistic-regression)"), trained.out());

    // New rows arrive after training: the source's latest version is no longer the one the model saw.
    new ChurnDataGenerator(ChurnDataGenerator.Spec.of(1000, 22)).generate(spark, 1)
        .write().format("delta").mode("append").save(source);

    List<String> args = new ArrayList<>(List.of("reproduce", "churn-repro@1", "--registry", registry,
        "--config", conf.toString()));
    args.addAll(storage.redactedOverrides());
    KilnCli.Outcome reproduced = KilnCli.run(storage.environment(), args.toArray(String[]::new));
    assertEquals(0, reproduced.exitCode(), reproduced.toString());
    assertTrue(reproduced.out().contains("churn-repro@1 reproduced"), reproduced.out());
    assertTrue(reproduced.out().contains(source + " @ version 0"), "read at the pinned version:\n"
        + reproduced.out());
    storage.environment().values().forEach(secret -> assertFalse(
        (trained + reproduced.toString()).contains(secret), "a secret appears in the output"));
  }

  /** A registry of its own for each check and store. */
  private static DeltaRegistry registry(TestStorage storage, String check) {
    return new DeltaRegistry(SharedSpark.session(), storage.uri("contract/" + check + "/registry"));
  }

  private static ModelVersion candidate(DeltaRegistry registry, String name, double auc) {
    String runId = UUID.randomUUID().toString();
    return new ModelVersion(name, 0, runId, Instant.now().truncatedTo(ChronoUnit.MICROS),
        registry.artifactLocation(name, runId) + "/model", Map.of("auc_roc", auc),
        Map.of("algorithm", "gbt", "maxIter", "10"),
        new ModelVersion.Lineage("file:/data", "delta", Optional.empty(), "bernoulli fraction=1.0 seed=42", "exact",
            "hash of id"),
        Map.of("source_rows", 100L, "train_rows", 80L), "pipeline.name = x", "abc123", "{}", Map.of());
  }
}
