package dev.kiln.pipeline;

import java.io.IOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * MLlib's checkpoints for one fit: while open, the session's {@code SparkContext} checkpoints into a new directory
 * under {@code spark.checkpoint-dir}; {@link #close()} deletes that directory.
 *
 * <p>Without a checkpoint directory MLlib ignores {@code checkpointInterval}: gradient-boosted trees (and trees with
 * {@code cacheNodeIds}) then grow one RDD lineage per iteration, and a lost executor late in a long fit recomputes
 * every iteration before it. With one, the lineage is cut every {@code checkpointInterval} iterations (MLlib's
 * default: 10). The directory is the context's, so fits that overlap in one application share the setting; the
 * training loop runs its fits one at a time.
 */
public final class FitCheckpoints implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FitCheckpoints.class);

  private final SparkContext context;
  private final Path directory;

  private FitCheckpoints(SparkContext context, Path directory) {
    this.context = context;
    this.directory = directory;
  }

  /** Points the context's checkpoints at a new directory under {@code base} (Spark names it with a UUID). */
  public static FitCheckpoints open(SparkSession spark, String base) {
    SparkContext context = spark.sparkContext();
    context.setCheckpointDir(base);
    Option<String> directory = context.getCheckpointDir();
    return new FitCheckpoints(context, new Path(directory.get()));
  }

  /**
   * Deletes the fit's checkpoints: they are of no use once the model is fitted. A directory that cannot be deleted is
   * logged, not thrown: the model it would fail is already fitted.
   */
  @Override
  public void close() {
    try {
      FileSystem fs = directory.getFileSystem(context.hadoopConfiguration());
      fs.delete(directory, true);
    } catch (IOException e) {
      LOG.warn("Could not delete the fit's checkpoints in {}: {}", directory, e.toString());
    }
  }
}
