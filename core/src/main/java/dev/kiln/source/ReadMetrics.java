package dev.kiln.source;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.executor.InputMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/**
 * Bytes and records read from storage by the tasks that end while it is open, summed from Spark's own task input
 * metrics (what the Spark UI shows as "Input"). Open it around one action; tasks of other concurrent jobs in the same
 * application would be counted too.
 */
public final class ReadMetrics implements AutoCloseable {

  private final SparkSession spark;
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong records = new AtomicLong();
  private final SparkListener listener = new SparkListener() {
    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
      if (taskEnd.taskMetrics() != null) {
        InputMetrics input = taskEnd.taskMetrics().inputMetrics();
        bytes.addAndGet(input.bytesRead());
        records.addAndGet(input.recordsRead());
      }
    }
  };

  private ReadMetrics(SparkSession spark) {
    this.spark = spark;
    spark.sparkContext().addSparkListener(listener);
  }

  public static ReadMetrics start(SparkSession spark) {
    return new ReadMetrics(spark);
  }

  /**
   * Waits until the listener bus has delivered every event posted so far, so the sums include the last action's
   * tasks. Listener events arrive asynchronously.
   */
  public ReadMetrics settle() {
    try {
      spark.sparkContext().listenerBus().waitUntilEmpty(10_000);
    } catch (Exception e) {  // a TimeoutException from Scala, undeclared: the sums are then only a lower bound
      // keep what arrived
    }
    return this;
  }

  public long bytesRead() {
    return bytes.get();
  }

  public long recordsRead() {
    return records.get();
  }

  @Override
  public void close() {
    spark.sparkContext().removeSparkListener(listener);
  }
}
