package dev.kiln.jobs;

import dev.kiln.config.PipelineConfig;
import dev.kiln.pipeline.Parallelism;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * Opens and closes the SparkSession a command runs in. The CLI uses {@link #standard()}; tests pass one that hands out
 * the test JVM's shared session and never stops it.
 */
public interface SessionFactory {

  /**
   * @param master the master to use; empty to keep the one spark-submit set
   * @param partitions shuffle partitions
   * @param conf extra Spark settings
   */
  SparkSession open(String appName, Optional<String> master, int partitions, Map<String, String> conf);

  /** Spark's own default, used until {@code spark.partitions = auto} is sized. */
  int SPARK_SHUFFLE_PARTITIONS = 200;

  void close(SparkSession spark);

  /** Opens a session for a pipeline: the master is the flag, else spark-submit's, else the config's. */
  default SparkSession open(String appName, Optional<String> masterFlag, PipelineConfig config) {
    Optional<String> master = masterFlag.isPresent() ? masterFlag
        : System.getProperty("spark.master") != null ? Optional.empty() : Optional.of(config.spark().master());
    SparkSession spark = open(appName, master, config.spark().partitions().orElse(SPARK_SHUFFLE_PARTITIONS),
        config.spark().conf());
    // auto: sized to the cores there now; sized again when the training rows are prepared, by when a cluster's
    // executors have registered.
    Parallelism.apply(spark, config.spark());
    return spark;
  }

  /**
   * The master is the {@code --master} flag if given, else the one spark-submit set ({@code spark.master}), else the
   * config's {@code spark.master}. Delta is enabled; shuffle partitions come from the config, because Spark's
   * default of 200 makes every small stage pay for 200 tasks.
   */
  static SessionFactory standard() {
    return new SessionFactory() {
      @Override
      public SparkSession open(String appName, Optional<String> master, int partitions, Map<String, String> conf) {
        SparkSession.Builder builder = SparkSession.builder().appName(appName)
            .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
            .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
            .config("spark.sql.shuffle.partitions", String.valueOf(partitions));
        master.ifPresent(builder::master);
        String effective = master.orElse(System.getProperty("spark.master", "local[*]"));
        if (effective.startsWith("local")) {
          // A laptop run needs no web UI, and binding to loopback avoids slow host-name lookups.
          builder.master(effective).config("spark.driver.host", "127.0.0.1").config("spark.ui.enabled", "false");
        }
        conf.forEach(builder::config);
        return builder.getOrCreate();
      }

      @Override
      public void close(SparkSession spark) {
        spark.stop();
      }
    };
  }
}
