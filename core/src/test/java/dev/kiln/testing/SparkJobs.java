package dev.kiln.testing;

import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;

/** Counts the Spark jobs a piece of work starts, for tests that check a pass count does not grow with the data. */
public final class SparkJobs {

  private static final String TAG = "kiln.test.jobs";

  private SparkJobs() {}

  /**
   * The jobs {@code work} starts on this thread (jobs are tagged with a local property, so other threads' jobs are
   * not counted). With adaptive execution on, Spark runs some shuffle stages as jobs of their own.
   */
  public static int count(SparkSession spark, Runnable work) throws TimeoutException {
    String tag = "jobs-" + System.nanoTime();
    AtomicInteger jobs = new AtomicInteger();
    SparkListener listener = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart start) {
        if (tag.equals(start.properties().getProperty(TAG))) {
          jobs.incrementAndGet();
        }
      }
    };
    spark.sparkContext().addSparkListener(listener);
    spark.sparkContext().setLocalProperty(TAG, tag);
    try {
      work.run();
    } finally {
      spark.sparkContext().setLocalProperty(TAG, null);
      // Listeners hear of jobs on their own thread: let every event of the work arrive first.
      spark.sparkContext().listenerBus().waitUntilEmpty();
      spark.sparkContext().removeSparkListener(listener);
    }
    return jobs.get();
  }
}
