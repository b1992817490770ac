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

  private static Dataset<Row> rows(SparkSession spark) {
    return spark.sql("select * from values (1, 'a'), (2, 'b'), (3, 'c') as t(id, name)");
  }
}
