package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.errors.InvalidConfigException;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import java.util.List;
import java.time.Instant;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

@UsesSpark
class TimeSplitTest {

  /** 4,000 orders over 200 days (20 a day), in no particular order. */
  private static Dataset<Row> orders(SparkSession spark) {
    return spark.range(4_000).selectExpr("id", "date_add(date'2024-01-01', cast((id * 37) % 200 as int)) as day",
        "timestamp_seconds(1704067200 + (id * 7919) % 17280000) as at", "cast(id % 2 as double) as y")
        .repartition(5);
  }

  @Test
  void theLatestFractionIsHeldOutAndEveryEarlierRowTrains(SparkSession spark, DataFrameAssertions frames) {
    Dataset<Row> rows = orders(spark).cache();
    TimeSplit split = new TimeSplit("at", Optional.empty(), 0.25);

    Dataset<Row> test = split.test(rows);
    Dataset<Row> train = split.train(rows);
    assertEquals(1000, test.count(), "distinct times: exactly round(0.25 × 4,000)");
    assertEquals(3000, train.count());
    Row trainRange = train.selectExpr("max(at)").head();
    Row testRange = test.selectExpr("min(at)").head();
    assertTrue(trainRange.getTimestamp(0).before(testRange.getTimestamp(0)), trainRange + " < " + testRange);
    assertTrue(split.describe().contains("the latest 1,000 of 4,000 rows"), split.describe());
    frames.assertEqualsIgnoringOrder(test, new TimeSplit("at", Optional.empty(), 0.25).test(rows.repartition(13)));
    rows.unpersist();
  }

  @Test
  void rowsAtTheCutoffTimeAllGoToTest(SparkSession spark) {
    Dataset<Row> rows = orders(spark);
    TimeSplit split = new TimeSplit("day", Optional.empty(), 0.1);
    Dataset<Row> test = split.test(rows);
    // 20 rows a day: the 400th latest row falls on day 180 (2024-06-29), whose 20 rows are all held out.
    assertEquals(400, test.count());
    String first = test.selectExpr("cast(min(day) as string)").head().getString(0);
    assertEquals("2024-06-29", first);
    assertEquals(0, split.train(rows).filter("day >= date'2024-06-29'").count());
    assertEquals(0, test.filter("day < date'2024-06-29'").count());
  }

  @Test
  void testFromHoldsOutEveryRowAtOrAfterIt(SparkSession spark) {
    Dataset<Row> rows = orders(spark);
    Instant from = Instant.parse("2024-06-01T00:00:00Z");
    assertEquals(rows.filter("day >= date'2024-06-01'").count(),
        new TimeSplit("day", Optional.of(from), 0.2).test(rows).count());
    assertEquals(rows.filter("at >= timestamp'2024-06-01 00:00:00Z'").count(),
        new TimeSplit("at", Optional.of(from), 0.2).test(rows).count());
    assertEquals(0, new TimeSplit("day", Optional.of(from), 0.2).train(rows).filter("day >= date'2024-06-01'")
        .count());
    // A date column against a time within a day: that day began before it, so it trains.
    Instant noon = Instant.parse("2024-06-01T12:00:00Z");
    assertEquals(rows.filter("day >= date'2024-06-02'").count(),
        new TimeSplit("day", Optional.of(noon), 0.2).test(rows).count());
  }

  @Test
  void aMissingOrNonTimeColumnIsAConfigErrorNamingTheKey(SparkSession spark) {
    Dataset<Row> rows = orders(spark);
    InvalidConfigException missing = assertThrows(InvalidConfigException.class,
        () -> new TimeSplit("ordered_at", Optional.empty(), 0.2).test(rows));
    assertTrue(missing.getMessage().contains("evaluation.time-column: column 'ordered_at' is not in the rows"),
        missing.getMessage());
    InvalidConfigException text = assertThrows(InvalidConfigException.class,
        () -> new TimeSplit("y", Optional.empty(), 0.2).test(rows));
    assertTrue(text.getMessage().contains("evaluation.time-column: column 'y' is double; a time split needs a date "
        + "or timestamp column"), text.getMessage());
    InvalidInputException nulls = assertThrows(InvalidInputException.class,
        () -> new TimeSplit("day", Optional.empty(), 0.2).test(rows.selectExpr("id",
            "case when id % 100 = 0 then null else day end as day")));
    assertTrue(nulls.getMessage().contains("'day' has no value in 40 rows"), nulls.getMessage());
  }

  @Test
  void theCutoffIsExactOverAWideRangeWithTiesFromBucketCountsAlone(SparkSession spark) {
    // Microsecond timestamps spread over ~30 years, with runs of equal times: several narrowing passes are needed.
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> times = spark.range(50_000)
        .selectExpr("(abs(hash(id, 7)) % 1000000007) * 997 + (id % 3) as t").selectExpr("t - (t % 5) as t");
    List<Long> sorted = times.collectAsList().stream().map(r -> r.getLong(0))
        .sorted(java.util.Comparator.reverseOrder()).toList();
    for (long k : List.of(1L, 2L, 777L, 12_345L, 50_000L)) {
      assertEquals(sorted.get((int) k - 1), TimeSplit.kthLatest(times, k), "the " + k + "-th latest");
    }
  }

  @Test
  void timestampsWithoutAZoneOrderByTheirFieldsWhateverTheSessionZone(SparkSession spark) {
    String zone = spark.conf().get("spark.sql.session.timeZone");
    try {
      // 01:30 happens twice in New York on 2024-11-03; the fields, not the zone, must decide the order.
      spark.conf().set("spark.sql.session.timeZone", "America/New_York");
      List<org.apache.spark.sql.Row> rows = spark.sql("select timestamp_ntz'2024-11-03 01:30:00.000001' as t union all "
          + "select timestamp_ntz'2024-11-03 01:59:59' union all select timestamp_ntz'2024-11-03 02:00:00'")
          .select(TimeSplit.ordinal(org.apache.spark.sql.functions.col("t"),
              org.apache.spark.sql.types.DataTypes.TimestampNTZType).as("o")).collectAsList();
      long base = java.time.LocalDateTime.parse("2024-11-03T01:30:00.000001").toEpochSecond(java.time.ZoneOffset.UTC)
          * 1_000_000L + 1;
      assertEquals(List.of(base, base + 1_799_000_000L - 1, base + 1_800_000_000L - 1),
          rows.stream().map(r -> r.getLong(0)).toList());
    } finally {
      spark.conf().set("spark.sql.session.timeZone", zone);
    }
  }
}
