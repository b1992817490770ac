package dev.kiln.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.testing.UsesSpark;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Date parts: the conventions, the time zone, and the Spark-free computation agreeing with Spark's. */
@UsesSpark
class DatePartsTest {

  private static final List<String> ALL = List.of("year", "month", "day-of-month", "weekday", "hour");

  @Test
  void partsOfAKnownInstantWithoutSpark() {
    Instant instant = Instant.parse("2024-03-10T14:30:00Z");  // a Sunday
    assertArrayEquals(new Double[] {2024.0, 3.0, 10.0, 7.0, 14.0, 9.0},
        DateParts.partsOf(instant, ALL, ZoneId.of("UTC"), LocalDate.of(2024, 3, 1)));
    // In Los Angeles it is 07:30 the same day (daylight saving time began at 02:00 that morning).
    assertArrayEquals(new Double[] {2024.0, 3.0, 10.0, 7.0, 7.0},
        DateParts.partsOf(instant, ALL, ZoneId.of("America/Los_Angeles"), null));
    // In Auckland (summer time, +13:00) it is already Monday the 11th, 03:30.
    assertArrayEquals(new Double[] {2024.0, 3.0, 11.0, 1.0, 3.0},
        DateParts.partsOf(instant, ALL, ZoneId.of("Pacific/Auckland"), null));
    assertArrayEquals(new Double[] {2000.0, 1.0, 1.0, 6.0, 0.0, -1.0},
        DateParts.partsOf(LocalDate.of(2000, 1, 1), ALL, ZoneId.of("Asia/Tokyo"), LocalDate.of(2000, 1, 2)),
        "a date has no zone; 2000-01-01 was a Saturday");
    assertArrayEquals(new Double[] {null, null}, DateParts.partsOf(null, List.of("year"), ZoneId.of("UTC"),
        LocalDate.of(2000, 1, 1)));
  }

  @Test
  void sparkGivesTheSamePartsWhateverTheSessionTimeZone(SparkSession spark) {
    String session = spark.conf().get("spark.sql.session.timeZone");
    List<String> instants = List.of("2024-03-10T14:30:00Z", "2024-03-10T09:59:59.999999Z", "1969-12-31T23:30:00Z",
        "2024-10-27T00:59:00Z", "2024-10-27T01:00:00Z", "1900-02-28T12:00:00Z");
    for (String zone : List.of("UTC", "America/Los_Angeles", "Europe/Paris", "+05:30")) {
      DateParts parts = new DateParts().setInputCol("at").setParts(ALL.toArray(String[]::new))
          .setDaysSince("2000-01-01").setTimeZone(zone);
      for (String sessionZone : List.of("UTC", "Pacific/Kiritimati")) {
        spark.conf().set("spark.sql.session.timeZone", sessionZone);
        try {
          Dataset<Row> rows = spark.createDataset(instants, org.apache.spark.sql.Encoders.STRING()).toDF("text")
              .selectExpr("to_timestamp(text) AS at");
          List<Row> out = parts.transform(rows).collectAsList();
          for (int i = 0; i < instants.size(); i++) {
            Row row = out.get(i);
            Double[] spark3 = new Double[row.length() - 1];
            for (int j = 1; j < row.length(); j++) {
              spark3[j - 1] = row.getDouble(j);
            }
            assertArrayEquals(parts.partsOf(Instant.parse(instants.get(i))), spark3,
                instants.get(i) + " in " + zone + ", session in " + sessionZone);
            assertArrayEquals(parts.partsOf(row.get(0)), spark3, "from the row's own value");
          }
        } finally {
          spark.conf().set("spark.sql.session.timeZone", session);
        }
      }
    }
  }

  @Test
  void datesAndLocalTimestampsHaveNoZone(SparkSession spark) {
    DateParts parts = new DateParts().setInputCol("d").setParts(ALL.toArray(String[]::new))
        .setDaysSince("2024-01-01").setTimeZone("Asia/Tokyo");
    Row date = parts.transform(spark.sql("SELECT DATE '2024-02-29' AS d")).head();
    assertEquals(List.of(2024.0, 2.0, 29.0, 4.0, 0.0, 59.0), values(date), "a Thursday, hour 0");
    assertArrayEquals(parts.partsOf(LocalDate.of(2024, 2, 29)), values(date).toArray(Double[]::new));
    Row local = parts.transform(spark.sql("SELECT TIMESTAMP_NTZ '2024-02-29 23:15:00' AS d")).head();
    assertEquals(List.of(2024.0, 2.0, 29.0, 4.0, 23.0, 59.0), values(local));
    assertArrayEquals(parts.partsOf(LocalDateTime.of(2024, 2, 29, 23, 15)), values(local).toArray(Double[]::new));
    Row missing = parts.transform(spark.sql("SELECT CAST(NULL AS DATE) AS d")).head();
    assertEquals(6, java.util.stream.IntStream.range(1, missing.length()).filter(missing::isNullAt).count(),
        "null in, null out");
  }

  @Test
  void refusesTextAndUnknownParts(SparkSession spark) {
    Dataset<Row> text = spark.sql("SELECT '2024-01-01' AS d");
    assertEquals("DateParts: column 'd' has type string; it needs a date or timestamp type (a text column can be "
        + "typed by the contract: type = date or timestamp, with its format)",
        assertThrows(IllegalArgumentException.class, () -> new DateParts().setInputCol("d").transform(text))
            .getMessage());
    assertEquals("DateParts: unknown part 'minute'; one of [year, month, day-of-month, weekday, hour]",
        assertThrows(IllegalArgumentException.class, () -> new DateParts().setInputCol("d").setParts("minute")
            .transformSchema(text.schema())).getMessage());
  }

  private static List<Double> values(Row row) {
    return java.util.stream.IntStream.range(1, row.length()).mapToObj(row::getDouble).toList();
  }
}
