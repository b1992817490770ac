package dev.kiln.jobs;

import dev.kiln.testing.SharedSpark;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/** Hands commands the test JVM's shared session (applying the run's SQL settings) and never stops it. */
public final class SharedSessionFactory implements SessionFactory {

  @Override
  public SparkSession open(String appName, Optional<String> master, int partitions, Map<String, String> conf) {
    SparkSession spark = SharedSpark.session();
    spark.conf().set("spark.sql.shuffle.partitions", String.valueOf(partitions));
    conf.forEach((key, value) -> {
      if (key.startsWith("spark.sql.")) {
        spark.conf().set(key, value);
      }
    });
    return spark;
  }

  @Override
  public void close(SparkSession spark) {
    // Shared by every test of the JVM.
  }
}
