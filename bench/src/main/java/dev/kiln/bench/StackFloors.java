package dev.kiln.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * What the stack itself costs on the benchmark's table before Kiln cleans or measures anything, timed in the same run
 * as the two versions: the floor under any clean + profile built on Spark and Delta on this machine.
 *
 * <ul>
 *   <li><b>scan</b>: read the Parquet table and decode every column of every row (the {@code noop} sink, so nothing
 *       is pruned and nothing written);</li>
 *   <li><b>Delta write</b>: the same rows written unchanged to a new Delta table, the least a clean step does with its
 *       output (Kiln's clean writes the kept rows, the quarantine and the ledger atomically to Delta);</li>
 *   <li><b>exact dedup</b>: Spark's own {@code dropDuplicates()} of all columns, counted.</li>
 * </ul>
 *
 * @param scanSeconds the scan, in seconds
 * @param deltaWriteSeconds the Delta write, in seconds
 * @param dedupSeconds the exact dedup, in seconds
 * @param deltaRows rows the Delta table holds afterwards (read back after the timing)
 * @param dedupRows rows the exact dedup kept
 */
record StackFloors(double scanSeconds, double deltaWriteSeconds, double dedupSeconds, long deltaRows,
    long dedupRows) {

  /** Times each floor once on {@code table}; {@code scratch} (created, then deleted) holds the Delta table. */
  static StackFloors measure(SparkSession spark, String table, Path scratch) {
    long start = System.nanoTime();
    spark.read().parquet(table).write().format("noop").mode("overwrite").save();
    double scan = seconds(start);

    Path delta = scratch.resolve("delta-copy");
    delete(delta);
    start = System.nanoTime();
    spark.read().parquet(table).write().format("delta").save(delta.toString());
    double write = seconds(start);
    long deltaRows = spark.read().format("delta").load(delta.toString()).count();
    delete(delta);

    start = System.nanoTime();
    long kept = spark.read().parquet(table).dropDuplicates().count();
    double dedup = seconds(start);
    return new StackFloors(scan, write, dedup, deltaRows, kept);
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the benchmark's scratch table " + dir, e);
    }
  }
}
