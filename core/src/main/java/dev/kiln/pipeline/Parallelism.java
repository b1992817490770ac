package dev.kiln.pipeline;

import dev.kiln.config.PipelineConfig.SparkConfig;
import org.apache.spark.sql.SparkSession;

/**
 * How many partitions a run's shuffles and its training rows use: {@code spark.partitions} when it is a number, else
 * ({@code auto}) {@value #TASKS_PER_CORE} per core the application has when asked.
 *
 * <p>A fixed number gives the same partitions, hence bit-identical models, on any layout; {@code auto} keeps every
 * core of a larger cluster busy instead. The partitions change which rows a task sees together, so a model trained
 * with {@code auto} is reproduced by pinning the number it got: the training loop records it with the run's params as
 * {@value #PARAM}, and {@code kiln reproduce} pins it.
 */
public final class Parallelism {

  /** Spark's tuning guide suggests two to three tasks per core: enough to even out uneven tasks. */
  public static final int TASKS_PER_CORE = 3;

  /** The run param that records the partitions a model was trained with. */
  public static final String PARAM = "partitions";

  private Parallelism() {}

  /**
   * The configured number, or {@value #TASKS_PER_CORE} × Spark's default parallelism (the cores of a local master,
   * the executors' cores registered so far on a cluster, or {@code spark.default.parallelism} when set).
   */
  public static int partitions(SparkSession spark, SparkConfig config) {
    return config.partitions().orElseGet(() -> TASKS_PER_CORE * spark.sparkContext().defaultParallelism());
  }

  /** Sets the session's shuffle partitions to {@link #partitions} and returns that number. */
  public static int apply(SparkSession spark, SparkConfig config) {
    int partitions = partitions(spark, config);
    spark.conf().set("spark.sql.shuffle.partitions", String.valueOf(partitions));
    return partitions;
  }
}
