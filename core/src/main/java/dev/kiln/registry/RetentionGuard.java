package dev.kiln.registry;

import dev.kiln.errors.InvalidInputException;
import io.delta.tables.DeltaTable;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Vacuums a Delta source table without breaking a registered version: the retention used is never shorter than the
 * age of the oldest table version a registered model was trained on, so every such version stays readable by time
 * travel and {@code kiln reproduce} keeps working.
 *
 * <p>VACUUM deletes data files that were logically removed longer ago than the retention. A file the pinned version
 * reads was removed, if at all, by a later commit, hence after the pinned commit's time; a retention reaching back to
 * that time keeps it.
 */
public final class RetentionGuard {

  /**
   * What a vacuum did or would do.
   *
   * @param pinned the oldest version a registered model reads, and the models that read it
   * @param requiredHours the retention that keeps that version readable
   * @param usedHours the retention used: the larger of the requested and the required
   */
  public record Plan(String table, Optional<Long> pinned, List<String> readers, long requestedHours,
      long requiredHours, long usedHours, Optional<Instant> pinnedCommitTime) {}

  /** The Spark setting Delta's VACUUM takes its listing's number of tasks from. */
  static final String LISTING_PARALLELISM = "spark.sql.sources.parallelPartitionDiscovery.parallelism";

  private static final int LISTING_TASKS_PER_CORE = 4;

  private final SparkSession spark;
  private final Registry registry;

  public RetentionGuard(SparkSession spark, Registry registry) {
    this.spark = spark;
    this.registry = registry;
  }

  public Plan plan(String table, long requestedHours, Instant now) {
    if (!DeltaTable.isDeltaTable(spark, table)) {
      throw new InvalidInputException("no Delta table at " + table);
    }
    List<ModelVersion> readers = registry.versionsReading(table).stream()
        .filter(v -> v.lineage().sourceVersion().isPresent()).toList();
    Optional<ModelVersion> oldest = readers.stream()
        .min(Comparator.comparingLong(v -> v.lineage().sourceVersion().orElseThrow()));
    if (oldest.isEmpty()) {
      return new Plan(table, Optional.empty(), List.of(), requestedHours, 0, requestedHours, Optional.empty());
    }
    long pinned = oldest.get().lineage().sourceVersion().orElseThrow();
    Row commit = DeltaTable.forPath(spark, table).history().filter("version = " + pinned).select("timestamp")
        .collectAsList().stream().findFirst().orElseThrow(() -> new InvalidInputException("the Delta log of "
            + table + " no longer has version " + pinned + ", which " + oldest.get().ref() + " was trained on: "
            + "it cannot be reproduced any more"));
    Instant committed = commit.getTimestamp(0).toInstant();
    // One hour more than the pinned commit's age, rounded up: the age grows while VACUUM runs.
    long required = Duration.between(committed, now).toHours() + 2;
    List<String> names = readers.stream().filter(v -> v.lineage().sourceVersion().orElseThrow() == pinned)
        .map(ModelVersion::ref).toList();
    return new Plan(table, Optional.of(pinned), names, requestedHours, required, Math.max(requestedHours, required),
        Optional.of(committed));
  }

  /**
   * Runs VACUUM with the plan's retention. Delta lists the table's files in as many tasks as
   * {@value #LISTING_PARALLELISM} says, 10,000 unless set: a minute of empty tasks on a laptop. Unless the session
   * sets it, the listing gets {@value #LISTING_TASKS_PER_CORE} tasks per core instead.
   */
  public Plan vacuum(String table, long requestedHours, Instant now) {
    Plan plan = plan(table, requestedHours, now);
    boolean unset = !spark.conf().contains(LISTING_PARALLELISM);
    if (unset) {
      spark.conf().set(LISTING_PARALLELISM,
          String.valueOf(LISTING_TASKS_PER_CORE * spark.sparkContext().defaultParallelism()));
    }
    try {
      DeltaTable.forPath(spark, table).vacuum(plan.usedHours());
    } finally {
      if (unset) {
        spark.conf().unset(LISTING_PARALLELISM);
      }
    }
    return plan;
  }
}
