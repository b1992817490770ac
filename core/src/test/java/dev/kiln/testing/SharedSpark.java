package dev.kiln.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The one SparkSession of a test JVM: local[2], Delta enabled, small shuffles, no UI. Created on first use and stopped
 * when the JVM exits; tests never stop it.
 */
public final class SharedSpark {

  private static SparkSession session;
  private static Path scratch;

  private SharedSpark() {}

  public static synchronized SparkSession session() {
    if (session == null) {
      try {
        scratch = Files.createTempDirectory("kiln-test-spark");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      session = SparkSession.builder()
          .master("local[2]")
          .appName("kiln-tests")
          .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
          .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.ui.enabled", "false")
          .config("spark.sql.shuffle.partitions", "4")
          .config("spark.databricks.delta.snapshotPartitions", "2")
          .config("spark.sql.warehouse.dir", scratch.resolve("spark-warehouse").toString())
          .config("spark.local.dir", scratch.resolve("local").toString())
          .getOrCreate();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> session.stop(), "kiln-test-spark-stop"));
    }
    return session;
  }
}
