package dev.kiln.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.errors.InvalidInputException;
import dev.kiln.testing.UsesSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UsesSpark
class ShapedSourceTest {

  @TempDir
  Path dir;

  private Source flights(SparkSession spark) throws IOException {
    Path json = dir.resolve("flights.json");
    Files.writeString(json, """
        [{"Flight Date": "2001-01-01 08:00:00", "Delay (min)": 33, "distance": 2176},
         {"Flight Date": "2001-01-02 09:00:00", "Delay (min)": -4, "distance": 215},
         {"Flight Date": "2001-01-03 10:00:00", "Delay (min)": 16, "distance": 405}]
        """);
    Map<String, String> derive = new LinkedHashMap<>();
    derive.put("delayed", "cast(delay > 15 as int)");
    derive.put("long_haul", "distance > 1000 and delayed = 1");
    return ShapedSource.of(new FileSource("json", "file:" + json, Map.of("multiLine", "true")),
        Map.of("Flight Date", "flight_date", "Delay (min)", "delay"), derive);
  }

  @Test
  void columnsAreRenamedAndDerivedRightAfterReadingInOrder(SparkSession spark) throws IOException {
    Source source = flights(spark);
    List<Row> rows = source.read(spark).rows().orderBy("delay")
        .select("delay", "delayed", "long_haul", "flight_date").collectAsList();
    assertEquals(List.of(-4L, 16L, 33L), rows.stream().map(r -> r.getLong(0)).toList());
    assertEquals(List.of(0, 1, 1), rows.stream().map(r -> r.getInt(1)).toList());
    assertEquals(List.of(false, false, true), rows.stream().map(r -> r.getBoolean(2)).toList(),
        "a derived column may use the one before it");
  }

  @Test
  void aTimeWindowOnARenamedColumnReachesTheSourceUnderItsOwnName(SparkSession spark) throws IOException {
    Path data = dir.resolve("events");
    spark.sql("select timestamp'2001-01-01 00:00:00' + make_interval(0, 0, 0, cast(id as int)) as `Event Time`, "
        + "id from range(10)").write().parquet(data.toString());
    Source source = ShapedSource.of(new FileSource("parquet", "file:" + data, Map.of()),
        Map.of("Event Time", "event_time"), Map.of("id_twice", "id * 2"));
    TimeWindow window = new TimeWindow("event_time", Instant.parse("2001-01-03T00:00:00Z"),
        Instant.parse("2001-01-06T00:00:00Z"));

    assertEquals(Optional.of(List.of("event_time", "id", "id_twice")), source.probe(new Configuration()).columns());
    assertEquals(3, source.read(spark, new ReadRequest(1.0, 0, Optional.of(window), false)).rows().count());
    assertEquals(Map.of("", 3L), source.countRows(spark, Optional.of(window), Optional.empty()));
    InvalidInputException derived = assertThrows(InvalidInputException.class, () -> source.read(spark,
        new ReadRequest(1.0, 0, Optional.of(new TimeWindow("id_twice", window.start(), window.end())), false)));
    assertTrue(derived.getMessage().contains("'id_twice' is derived"), derived.getMessage());
  }

  @Test
  void anExpressionThatDoesNotFitTheDataNamesItsKey(SparkSession spark) throws IOException {
    Path json = dir.resolve("one.json");
    Files.writeString(json, "{\"a\": 1}\n");
    Source source = ShapedSource.of(new FileSource("json", "file:" + json, Map.of()), Map.of(),
        Map.of("b", "no_such_column + 1"));
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> source.read(spark).rows());
    assertTrue(e.getMessage().startsWith("source.derive.b = \"no_such_column + 1\" does not apply to file:"),
        e.getMessage());
  }
}
