package dev.kiln.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.errors.InvalidInputException;
import dev.kiln.testing.UsesSpark;
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
import java.util.stream.LongStream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UsesSpark
class DeltaRegistryTest {

  @TempDir
  Path root;

  @Test
  void versionsCountUpPerNameAndRoundTripEveryField(SparkSession spark) {
    DeltaRegistry registry = new DeltaRegistry(spark, "file:" + root);
    assertTrue(registry.latest("churn").isEmpty());
    assertEquals(List.of(), registry.models());

    ModelVersion first = registry.register(candidate(registry, "churn", 0.71, Optional.of(3L)));
    ModelVersion second = registry.register(candidate(registry, "churn", 0.74, Optional.empty()));
    ModelVersion other = registry.register(candidate(registry, "fraud", 0.9, Optional.of(1L)));

    assertEquals(1, first.version());
    assertEquals(2, second.version());
    assertEquals(1, other.version(), "each name counts on its own");
    assertEquals(second, registry.latest("churn").orElseThrow());
    assertEquals(first, registry.get("churn", 1).orElseThrow());
    assertEquals(List.of(first, second), registry.versions("churn"));
    assertEquals(List.of(second, other), registry.models(), "the latest of each name");
    assertTrue(registry.get("churn", 3).isEmpty());
    assertEquals("churn@2", second.ref());
  }

  /** The registry issue's concurrency check: racing registrations get distinct, consecutive versions. */
  @Test
  void concurrentRegistrationsOfOneNameGetConsecutiveVersionsAndNoneIsLost(SparkSession spark) throws Exception {
    DeltaRegistry registry = new DeltaRegistry(spark, "file:" + root);
    int writers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CyclicBarrier start = new CyclicBarrier(writers);
    List<Future<ModelVersion>> results = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      double auc = 0.6 + i / 100.0;
      results.add(pool.submit(() -> {
        ModelVersion mine = candidate(registry, "race", auc, Optional.empty());
        start.await();
        return registry.register(mine);
      }));
    }
    List<Long> versions = new ArrayList<>();
    for (Future<ModelVersion> result : results) {
      versions.add(result.get().version());
    }
    pool.shutdown();
    assertEquals(LongStream.rangeClosed(1, writers).boxed().toList(), versions.stream().sorted().toList(),
        "distinct and consecutive: " + versions);
    List<ModelVersion> stored = registry.versions("race");
    assertEquals(writers, stored.size(), "none lost");
    assertEquals(writers, stored.stream().map(ModelVersion::runId).distinct().count());
  }

  @Test
  void aliasesMoveAndKeepTheirHistory(SparkSession spark) {
    DeltaRegistry registry = new DeltaRegistry(spark, "file:" + root);
    String empty = registry.changeToken();
    ModelVersion one = registry.register(candidate(registry, "churn", 0.7, Optional.empty()));
    String registered = registry.changeToken();
    ModelVersion two = registry.register(candidate(registry, "churn", 0.8, Optional.empty()));
    assertNotEquals(empty, registered, "a registration changes the token");
    assertNotEquals(registered, registry.changeToken());

    registry.setAlias("churn", "champion", 1, "first model");
    String aliased = registry.changeToken();
    registry.resolve(ModelRef.parse("churn@champion"));
    assertEquals(aliased, registry.changeToken(), "reading changes nothing");
    registry.setAlias("churn", "challenger", 2, "retrained");
    assertNotEquals(aliased, registry.changeToken(), "an alias move changes the token");
    registry.setAlias("churn", "champion", 2, "won by 0.1 AUC");

    assertEquals(Map.of("champion", 2L, "challenger", 2L), registry.aliases("churn"));
    assertEquals(List.of(1L, 2L, 2L), registry.aliasHistory("churn").stream().map(AliasMove::version).toList());
    assertEquals("won by 0.1 AUC", registry.aliasHistory("churn").get(2).reason());
    assertEquals(two, registry.resolve(ModelRef.parse("churn@champion")));
    assertEquals(one, registry.resolve(ModelRef.parse("churn@1")));
    assertEquals(two, registry.resolve(ModelRef.parse("churn")));

    InvalidInputException unknown = assertThrows(InvalidInputException.class,
        () -> registry.resolve(ModelRef.parse("churn@staging")));
    assertTrue(unknown.getMessage().contains("no model churn@staging") && unknown.getMessage().contains("no such alias"),
        unknown.getMessage());
    assertThrows(InvalidInputException.class, () -> registry.setAlias("churn", "champion", 9, "no such version"));
  }

  @Test
  void aRunsLatestRecordIsItsState(SparkSession spark) throws InterruptedException {
    DeltaRegistry registry = new DeltaRegistry(spark, "file:" + root);
    assertEquals(List.of(), registry.runs(Optional.empty(), 10));
    RunRecord ok = RunRecord.started("run-ok", "churn", "hash1");
    RunRecord broken = RunRecord.started("run-broken", "churn", "hash1");
    RunRecord died = RunRecord.started("run-died", "fraud", "hash2");
    registry.recordRun(ok);
    registry.recordRun(broken);
    Thread.sleep(5);
    registry.recordRun(died);
    ModelVersion version = registry.register(candidate(registry, "churn", 0.8, Optional.empty()));
    registry.recordRun(ok.succeeded(version));
    registry.recordRun(broken.failed("label column 'churned' has 3 rows whose value is not 0 or 1"));

    List<RunRecord> runs = registry.runs(Optional.empty(), 10);
    assertEquals(List.of("run-died", "run-broken", "run-ok"), runs.stream().map(RunRecord::runId).toList(),
        "newest first");
    assertEquals(RunRecord.Status.RUNNING, runs.get(0).status(), "a run with no end stays RUNNING");
    RunRecord failed = runs.get(1);
    assertEquals(RunRecord.Status.FAILED, failed.status());
    assertTrue(failed.error().orElseThrow().contains("not 0 or 1"));
    RunRecord succeeded = registry.run("run-ok").orElseThrow();
    assertEquals(RunRecord.Status.SUCCEEDED, succeeded.status());
    assertEquals(Optional.of("churn@1"), succeeded.model());
    assertEquals(0.8, succeeded.metrics().get("auc_roc"));
    assertEquals(RunRecord.currentCodeVersion(), succeeded.codeVersion());
    assertTrue(succeeded.codeVersion().startsWith("kiln ") && succeeded.codeVersion().contains("spark 3.5.7"));
    assertEquals(List.of("run-broken", "run-ok"),
        registry.runs(Optional.of("churn"), 10).stream().map(RunRecord::runId).toList());
    assertEquals(1, registry.runs(Optional.empty(), 1).size());
  }

  @Test
  void aTableWrittenByAnOlderKilnIsUpgradedInPlace(SparkSession spark) {
    DeltaRegistry registry = new DeltaRegistry(spark, "file:" + root);
    // The first release's model_versions had no signature and no tags.
    org.apache.spark.sql.types.StructType first = new org.apache.spark.sql.types.StructType(
        java.util.Arrays.copyOf(DeltaRegistry.VERSIONS_SCHEMA.fields(), DeltaRegistry.VERSIONS_SCHEMA.size() - 2));
    spark.createDataFrame(List.of(), first).write().format("delta").save(registry.versionsTable());

    ModelVersion stored = registry.register(candidate(registry, "churn", 0.7, Optional.empty()));

    assertEquals(stored, registry.latest("churn").orElseThrow());
    assertEquals(List.of(DeltaRegistry.VERSIONS_SCHEMA.fieldNames()),
        List.of(spark.read().format("delta").load(registry.versionsTable()).schema().fieldNames()));
  }

  @Test
  void namesThatCouldEscapeTheRootAreRefused(SparkSession spark) {
    DeltaRegistry registry = new DeltaRegistry(spark, "file:" + root);
    for (String bad : List.of("../etc", "a/b", "..", "x..y", "", "/abs", "a b")) {
      assertThrows(InvalidInputException.class, () -> ModelRef.parse(bad), bad);
      assertThrows(InvalidInputException.class, () -> registry.artifactLocation(bad, "run"), bad);
    }
    for (String bad : List.of("1abc", "latest", "a/b", "..", "al..ias/x")) {
      assertThrows(InvalidInputException.class, () -> ModelRef.validateAlias(bad), bad);
    }
    ModelVersion outside = new ModelVersion("churn", 0, "r1", Instant.now(), "file:/tmp/elsewhere", Map.of(),
        Map.of(), new ModelVersion.Lineage("s", "delta", Optional.empty(), "", "", ""), Map.of(), "", "", "{}",
        Map.of());
    assertThrows(IllegalArgumentException.class, () -> registry.register(outside));
  }

  @Test
  void aMissingOrCorruptArtifactIsNamedWithItsVersion(SparkSession spark) throws Exception {
    DeltaRegistry registry = new DeltaRegistry(spark, "file:" + root);
    ModelVersion missing = registry.register(candidate(registry, "churn", 0.7, Optional.empty()));
    InvalidInputException gone = assertThrows(InvalidInputException.class, () -> ModelArtifacts.load(missing));
    assertTrue(gone.getMessage().startsWith("model churn@1: its artifact at " + missing.artifactUri()
        + " is missing"), gone.getMessage());

    ModelVersion corrupt = registry.register(candidate(registry, "churn", 0.8, Optional.empty()));
    Path metadata = Path.of(corrupt.artifactUri().substring("file:".length()), "metadata");
    Files.createDirectories(metadata);
    Files.writeString(metadata.resolve("part-00000"), "{not json");
    InvalidInputException broken = assertThrows(InvalidInputException.class, () -> ModelArtifacts.load(corrupt));
    assertTrue(broken.getMessage().startsWith("model churn@2: its artifact at " + corrupt.artifactUri()
        + " cannot be read"), broken.getMessage());
  }

  private static ModelVersion candidate(Registry registry, String name, double auc, Optional<Long> sourceVersion) {
    String runId = UUID.randomUUID().toString();
    return new ModelVersion(name, 0, runId, Instant.now().truncatedTo(ChronoUnit.MICROS),
        registry.artifactLocation(name, runId) + "/model", Map.of("auc_roc", auc),
        Map.of("algorithm", "gbt", "maxIter", "10"),
        new ModelVersion.Lineage("file:/data", "delta", sourceVersion, "bernoulli fraction=1.0 seed=42", "exact",
            "hash of id"),
        Map.of("source_rows", 100L, "train_rows", 80L), "pipeline.name = x", "abc123", "{}", Map.of("team", "risk"));
  }
}
