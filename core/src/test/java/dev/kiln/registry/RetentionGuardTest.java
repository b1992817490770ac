package dev.kiln.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.testing.UsesSpark;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UsesSpark
class RetentionGuardTest {

  private static final String CHECK = "spark.databricks.delta.retentionDurationCheck.enabled";

  @TempDir
  Path dir;

  @BeforeEach
  void allowShortRetention(SparkSession spark) {
    // Delta refuses retention under 7 days unless told otherwise; the point here is what a short one deletes.
    spark.conf().set(CHECK, "false");
  }

  @AfterEach
  void restore(SparkSession spark) {
    spark.conf().unset(CHECK);
  }

  @Test
  void vacuumKeepsTheVersionARegisteredModelReadsAndOnlyThat(SparkSession spark) throws Exception {
    String pinned = table(spark, "pinned");
    String unpinned = table(spark, "unpinned");
    DeltaRegistry registry = new DeltaRegistry(spark, "file:" + dir.resolve("registry"));
    registry.register(readerOf(registry, pinned, 0));
    RetentionGuard guard = new RetentionGuard(spark, registry);

    // Delta lists a table's files for VACUUM in spark.sql.sources.parallelPartitionDiscovery.parallelism tasks,
    // 10,000 by default: a minute of empty tasks per vacuum of a small table.
    java.util.concurrent.atomic.AtomicInteger tasks = new java.util.concurrent.atomic.AtomicInteger();
    org.apache.spark.scheduler.SparkListener counter = new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
        tasks.incrementAndGet();
      }
    };
    spark.sparkContext().addSparkListener(counter);
    RetentionGuard.Plan kept;
    try {
      kept = guard.vacuum(pinned, 0, Instant.now());
      spark.sparkContext().listenerBus().waitUntilEmpty(10_000);
    } finally {
      spark.sparkContext().removeSparkListener(counter);
    }
    assertTrue(tasks.get() < 1000, tasks.get() + " tasks for one vacuum of a two-file table");
    assertEquals(Optional.of(0L), kept.pinned());
    assertEquals(List.of("churn@1"), kept.readers());
    assertTrue(kept.usedHours() >= 1, "the retention reaches back to the pinned commit: " + kept);
    // Sums read the data files; a count would be answered from the Delta log's statistics alone.
    assertEquals(4950L, spark.read().format("delta").option("versionAsOf", 0).load(pinned)
        .selectExpr("sum(id)").head().getLong(0), "the version churn@1 was trained on is still readable");

    RetentionGuard.Plan unguarded = guard.vacuum(unpinned, 0, Instant.now());
    assertEquals(0, unguarded.usedHours(), "nothing registered reads it");
    assertThrows(Exception.class,
        () -> spark.read().format("delta").option("versionAsOf", 0).load(unpinned).selectExpr("sum(id)").head(),
        "without a pin, VACUUM with no retention deletes the old version's files");
  }

  /** A Delta table with 100 rows at version 0, replaced by 50 others at version 1. */
  private String table(SparkSession spark, String name) {
    String uri = "file:" + dir.resolve(name);
    spark.range(100).write().format("delta").save(uri);
    spark.range(1000, 1050).write().format("delta").mode("overwrite").save(uri);
    return uri;
  }

  private static ModelVersion readerOf(Registry registry, String table, long version) {
    String run = UUID.randomUUID().toString();
    return new ModelVersion("churn", 0, run, Instant.now(), registry.artifactLocation("churn", run) + "/model",
        Map.of("auc_roc", 0.8), Map.of("algorithm", "gbt"),
        new ModelVersion.Lineage(table, "delta", Optional.of(version), "all", "exact", "hash"), Map.of(), "", "h",
        "{}", Map.of());
  }
}
