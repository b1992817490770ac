package dev.kiln.jobs;

import dev.kiln.testing.SharedSpark;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * Hands commands the test JVM's shared session and never stops it. The run's settings that can change on a live
 * session are applied as {@link SessionFactory#standard()} would apply them at start: {@code spark.sql.*} to the SQL
 * conf, {@code spark.hadoop.*} (without the prefix, as Spark strips it at start) to the SparkContext's Hadoop
 * configuration, which every file system Spark opens reads. Other {@code spark.*} settings need a new context and are
 * ignored. Settings stay for later tests of the JVM: give each store its own bucket or host.
 */
public final class SharedSessionFactory implements SessionFactory {

  private static final String HADOOP_PREFIX = "spark.hadoop.";

  @Override
  public SparkSession open(String appName, Optional<String> master, int partitions, Map<String, String> conf) {
    SparkSession spark = SharedSpark.session();
    spark.conf().set("spark.sql.shuffle.partitions", String.valueOf(partitions));
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    conf.forEach((key, value) -> {
      if (key.startsWith("spark.sql.")) {
        spark.conf().set(key, value);
      } else if (key.startsWith(HADOOP_PREFIX) && key.length() > HADOOP_PREFIX.length()) {
        hadoop.set(key.substring(HADOOP_PREFIX.length()), value);
      }
    });
    return spark;
  }

  @Override
  public void close(SparkSession spark) {
    // Shared by every test of the JVM.
  }
}
