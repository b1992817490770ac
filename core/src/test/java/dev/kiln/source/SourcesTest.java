package dev.kiln.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.testing.UsesSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UsesSpark
class SourcesTest {

  @TempDir
  Path dir;

  private final Configuration hadoop = new Configuration();

  @Test
  void parquetColumnsComeFromTheFooterWithoutSpark(SparkSession spark) {
    String uri = "file:" + dir.resolve("t.parquet");
    rows(spark).write().parquet(uri);
    FileSource source = new FileSource("parquet", uri, Map.of());
    assertEquals(new Source.Probe(true, Optional.of(List.of("id", "name"))), source.probe(hadoop));
    assertEquals(3, source.read(spark).rows().count());
    assertTrue(source.read(spark).version().isEmpty());
  }

  @Test
  void csvColumnsComeFromTheHeader() throws IOException {
    Path csv = dir.resolve("t.csv");
    Files.writeString(csv, "id;\"name\"\n1;a\n");
    assertEquals(Optional.of(List.of("id", "name")),
        new FileSource("csv", "file:" + csv, Map.of("header", "true", "sep", ";")).probe(hadoop).columns());
    assertEquals(Optional.empty(), new FileSource("csv", "file:" + csv, Map.of()).probe(hadoop).columns(),
        "without a header the names are Spark's to choose");
  }

  @Test
  void aMissingPathDoesNotExist() {
    assertFalse(new FileSource("parquet", "file:" + dir.resolve("nothing"), Map.of()).probe(hadoop).exists());
    assertFalse(new DeltaSource("file:" + dir.resolve("nothing")).probe(hadoop).exists());
  }

  @Test
  void deltaReadsArePinnedToTheLatestVersion(SparkSession spark) {
    String uri = "file:" + dir.resolve("delta");
    rows(spark).write().format("delta").save(uri);
    rows(spark).withColumnRenamed("name", "label").write().format("delta").mode("overwrite")
        .option("overwriteSchema", "true").save(uri);
    DeltaSource source = new DeltaSource(uri);
    assertEquals(new Source.Probe(true, Optional.of(List.of("id", "label"))), source.probe(hadoop),
        "the newest schema");
    SourceSnapshot snapshot = source.read(spark);
    assertEquals(Optional.of(1L), snapshot.version());
    assertEquals(List.of("id", "label"), List.of(snapshot.rows().columns()));
  }

  /** Spark's CSV options reach the reader: delimiter, quoting, and the malformed-row policy. */
  @Test
  void csvDelimiterQuotingAndTheMalformedRowPolicy(SparkSession spark) throws IOException {
    Path csv = dir.resolve("orders.csv");
    Files.writeString(csv, "id;note;amount\n1;\"a; quoted\";2.5\n2;plain;x-not-a-number\n3;short\n4;ok;4.0\n");
    Map<String, String> base = Map.of("header", "true", "sep", ";", "quote", "\"");
    String schema = "id INT, note STRING, amount DOUBLE";
    List<Row> permissive = spark.read().schema(schema).options(base).csv("file:" + csv).orderBy("id")
        .collectAsList();
    assertEquals("a; quoted", permissive.get(0).getString(1), "a quoted delimiter stays in its field");
    assertEquals(4, permissive.size(), "PERMISSIVE (Spark's default) keeps malformed rows, with nulls");

    Map<String, String> drop = new java.util.HashMap<>(base);
    drop.put("mode", "DROPMALFORMED");
    drop.put("inferSchema", "false");
    FileSource dropping = new FileSource("csv", "file:" + csv, drop);
    // Whole rows: with fewer columns selected, Spark's CSV parser would not look at (nor drop for) the others.
    assertEquals(List.of("1", "2", "4"), dropping.read(spark).rows().collectAsList().stream()
        .map(r -> r.getString(0)).sorted().toList(), "DROPMALFORMED drops the row with too few fields");

    Map<String, String> failFast = new java.util.HashMap<>(base);
    failFast.put("mode", "FAILFAST");
    failFast.put("enforceSchema", "true");
    Dataset<Row> strict = spark.read().schema(schema).options(failFast).csv("file:" + csv);
    Exception thrown = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, strict::collectAsList);
    assertTrue(dev.kiln.source.MalformedInput.isMalformedRecord(thrown), thrown.toString());
  }

  private static Dataset<Row> rows(SparkSession spark) {
    return spark.sql("select * from values (1, 'a'), (2, 'b'), (3, 'c') as t(id, name)");
  }
}
