package dev.kiln.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's floors do the work they are named for (every row copied to Delta, exactly the duplicates dropped),
 * and their table sets each against the time the throughput target allows.
 */
class StackFloorsTest {

  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").appName("stack-floors-test")
        .config("spark.driver.host", "127.0.0.1").config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void floorsCopyEveryRowAndDropOnlyTheDuplicates(@TempDir Path dir) {
    String table = dir.resolve("table").toString();
    CleanProfileData.generate(spark, 2_000, CleanProfileData.SEED, 3).write().parquet(table);
    Path scratch = dir.resolve("scratch");

    StackFloors floors = StackFloors.measure(spark, table, scratch);

    assertEquals(2_000, floors.deltaRows(), "rows in the Delta copy");
    assertEquals(CleanProfileData.originals(2_000), floors.dedupRows(), "rows the exact dedup kept");
    assertTrue(floors.scanSeconds() > 0 && floors.deltaWriteSeconds() > 0 && floors.dedupSeconds() > 0, floors::toString);
    assertFalse(Files.exists(scratch.resolve("delta-copy")), "the Delta copy is deleted after it is counted");
  }

  @Test
  void tableSetsEachFloorAgainstTheTargetsTime() {
    // 10 million rows on 2 cores at 300,000 rows/s/core: 16.67 s for everything.
    List<StackFloors> runs = List.of(new StackFloors(4, 30, 20, 0, 0), new StackFloors(5, 35, 25, 0, 0),
        new StackFloors(6, 40, 22, 0, 0));

    String table = CleanProfileBenchmark.floors(runs, 10_000_000, 2);

    assertTrue(table.contains("allows 16.67 s for everything"), table);
    assertTrue(table.contains("| scan: read the Parquet table, decode every column | 5.00 s | 1,000,000 | 30 % |"),
        table);
    assertTrue(table.contains("| write the rows unchanged to a new Delta table | 35.00 s | 142,857 | 210 % |"), table);
    assertTrue(table.contains("| Spark's exact dedup (`dropDuplicates().count()`) | 22.00 s | 227,273 | 132 % |"),
        table);
  }
}
