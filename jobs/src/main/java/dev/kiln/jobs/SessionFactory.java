package dev.kiln.jobs;

import dev.kiln.config.PipelineConfig;
import dev.kiln.pipeline.Parallelism;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  /** {@code local}, {@code local[N]}, {@code local[*]}, {@code local[N,F]}: the cores are group 1, if given. */
  Pattern LOCAL_MASTER = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\d+)?])?");

  /** Delta's partitions for rebuilding a table's state; a local session sets it to its cores unless configured. */
  String DELTA_SNAPSHOT_PARTITIONS = "spark.databricks.delta.snapshotPartitions";

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
   * What a session on one machine ({@code local}, {@code local[N]}, {@code local[*]}) gets unless the run's config says
   * otherwise; nothing for a cluster's master.
   */
  static Map<String, String> localDefaults(String master) {
    Matcher local = LOCAL_MASTER.matcher(master);
    if (!local.matches()) {
      return Map.of();
    }
    int cores = local.group(1) == null ? 1 : local.group(1).equals("*")
        ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(local.group(1));
    return Map.of(
        // A laptop run needs no web UI, and binding to loopback avoids slow host-name lookups.
        "spark.driver.host", "127.0.0.1",
        "spark.ui.enabled", "false",
        // Delta rebuilds a table's state in 50 tasks by default; one machine runs no more than its cores at once,
        // and Kiln's own small tables (registry, ledgers, logs) would pay 50 near-empty tasks per read and commit.
        DELTA_SNAPSHOT_PARTITIONS, String.valueOf(Math.max(1, cores)));
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
          builder.master(effective);
        }
        localDefaults(effective).forEach(builder::config);
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
