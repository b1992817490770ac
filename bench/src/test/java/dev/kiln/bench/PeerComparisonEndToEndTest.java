package dev.kiln.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's program end to end at a toy size: a generated flights-like table of 20,000 rows is replicated to
 * exactly 30,000, engineered, time-split and written for both tools, and one pair (boosted trees on {@code delayed})
 * is fitted by Kiln and by scikit-learn's script in its own process. It checks that the program works, not how fast.
 * Needs Debian's python3-sklearn: the test installs it with testing/python/ensure-sklearn.sh when missing, and fails,
 * saying why, when it cannot.
 */
class PeerComparisonEndToEndTest {

  private static final Path SCRIPT = Path.of("python", "sklearn_peer.py");

  @TempDir
  static Path dir;

  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = PeerComparisonBenchmark.session(2);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** 20,000 flights of the first half of 2001 over 8 airports; delays grow with the hour and at two airports. */
  private static Path flights() {
    Path file = dir.resolve("flights.parquet");
    spark.range(20_000).selectExpr(
            "make_timestamp_ntz(2001, cast(1 + id * 6 div 20000 as int), cast(1 + id % 28 as int), "
                + "cast(id % 24 as int), cast(id % 60 as int), 0) as date",
            "element_at(array('ATL', 'ORD', 'DFW', 'LAX', 'DEN', 'SFO', 'PHX', 'LAS'), "
                + "cast(pmod(hash(id, 1), 8) as int) + 1) as origin",
            "element_at(array('ATL', 'ORD', 'DFW', 'LAX', 'DEN', 'SFO', 'PHX', 'LAS'), "
                + "cast(pmod(hash(id, 2), 8) as int) + 1) as destination",
            "cast(100 + pmod(hash(id, 3), 2500) as long) as distance",
            "pmod(hash(id, 4), 40) as noise", "id % 24 as h")
        .selectExpr("date", "cast(h * 1.5 - 12 + noise - 15 + if(origin in ('ORD', 'SFO'), 20, 0) as long) as delay",
            "distance", "origin", "destination")
        .write().parquet(file.toString());
    return file;
  }

  @Test
  void bothToolsFitTheSameRowsAndAreMeasured() throws IOException {
    ensureSklearn();
    Path flights = flights();
    Path cache = dir.resolve("cache");
    Progress progress = new Progress();

    // Replicated: two copies of every flight, then exactly 30,000 of the 40,000; the latest fifth by date held out.
    PeerData.Table table = PeerData.table(spark, progress, flights, cache, 30_000, 42);
    assertEquals(30_000, table.rows());
    assertEquals(30_000, table.trainRows() + table.testRows());
    assertTrue(table.testRows() >= 6_000 && table.testRows() < 6_500, table.toString());
    assertTrue(table.split().contains("time: date"), table.split());
    // The held-out rows are the last months' flights, and both files hold the same rows as the Parquet.
    Row months = spark.read().parquet(PeerData.uri(table.testParquet())).selectExpr("min(month)").head();
    Row trainMonths = spark.read().parquet(PeerData.uri(table.trainParquet())).selectExpr("max(month)").head();
    assertTrue(months.getInt(0) >= trainMonths.getInt(0), months + " / " + trainMonths);
    List<String> csv = Files.readAllLines(table.trainCsv());
    assertEquals(String.join(",", PeerData.COLUMNS), csv.get(0));
    assertEquals(table.trainRows() + 1, csv.size());
    // Reused, not made again: the same table from the marker.
    assertEquals(table, PeerData.table(spark, progress, flights, cache, 30_000, 42));

    PeerComparisonOptions options = PeerComparisonOptions.parse("--sizes", "30000", "--cache", cache.toString());
    PeerResult result = PeerComparisonBenchmark.measure(spark, progress, options, SCRIPT, table, PeerModel.XGBOOST,
        0);
    for (PeerFit fit : List.of(result.kiln().get(0), result.sklearn().get(0))) {
      assertEquals(table.trainRows(), fit.trainRows());
      assertEquals(table.testRows(), fit.testRows());
      assertTrue(fit.seconds() > 0, fit.toString());
      assertTrue(fit.metrics().containsKey("log_loss"), fit.toString());
    }
    // The generated delays depend on the hour and the airport: both learn it, to about the same AUC.
    assertTrue(result.kilnMetric() > 0.6, "Kiln: " + result.kiln());
    assertTrue(result.sklearnMetric() > 0.6, "scikit-learn: " + result.sklearn());
    assertTrue(Math.abs(result.differencePoints()) < 3, result.toString());
    assertTrue(PeerTable.markdown(List.of(result)).contains("| 30,000 | boosted trees: delayed |"));
  }

  /** Runs the project's own installer; a machine that cannot get scikit-learn fails the test, never skips it. */
  private static void ensureSklearn() throws IOException {
    Process install = new ProcessBuilder("bash", Path.of("..", "testing", "python", "ensure-sklearn.sh").toString())
        .redirectErrorStream(true).start();
    String output = new String(install.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    try {
      assertEquals(0, install.waitFor(), "testing/python/ensure-sklearn.sh could not provide scikit-learn:\n" + output);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while installing scikit-learn", e);
    }
    assertTrue(Files.isRegularFile(SCRIPT), SCRIPT + " is missing");
  }
}
