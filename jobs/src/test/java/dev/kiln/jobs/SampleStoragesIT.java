package dev.kiln.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.jobs.cli.KilnCli;
import dev.kiln.pipeline.RunLineage;
import dev.kiln.sample.SampleProvenance;
import dev.kiln.testing.SharedSpark;
import dev.kiln.testing.TestStorage;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code kiln sample} on the two remote stores Kiln reads from — an S3 server (s3proxy on 127.0.0.1, through S3A)
 * and HDFS (a MiniDFSCluster) — for every file format and Delta: the exact fixed-size strategy gives the same rows
 * twice, block sampling reads only chosen files, Delta is pinned by version and by timestamp, Parquet and Avro
 * output land with their provenance, and a missing path or bucket is one clear message.
 */
class SampleStoragesIT extends OnRemoteStorages {

  private static final List<String> FILE_FORMATS = List.of("parquet", "orc", "avro", "csv", "json");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** 3,000 rows in 12 files: an id, a region, an amount and an event time. */
  private static Dataset<Row> events(SparkSession spark) {
    return spark.range(3_000).selectExpr("id", "CASE WHEN id % 3 = 0 THEN 'EU' ELSE 'US' END AS region",
        "cast(id % 97 AS double) AS amount", "timestamp_seconds(1790000000 - id * 600) AS event_time")
        .repartition(12);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("storages")
  void everyFormatIsSampledExactlyAndRepeatably(TestStorage storage) throws IOException {
    SparkSession spark = SharedSpark.session();
    for (String format : FILE_FORMATS) {
      String data = storage.uri("/data/events-" + format);
      var writer = events(spark).write().mode("overwrite").format(format);
      if (format.equals("csv")) {
        writer = writer.option("header", "true");
      }
      writer.save(data);
      String options = format.equals("csv") ? "options { header = true, inferSchema = true }" : "";
      String out = storage.uri("/samples/" + format);
      Path conf = pipelineFile(storage, "sample-" + format + ".conf", """
          source { format = %s, path = "%s", %s }
          sample { strategy = fixed, size = 500, seed = 3 }
          """.formatted(format, data, options));
      KilnCli.Outcome first = KilnCli.run(storage.environment(), "sample", conf.toString(), "--output", out);
      assertEquals(0, first.exitCode(), format + " on " + storage + ": " + first);
      assertTrue(first.out().contains("500 rows (fixed size=500 seed=3)"), first.out());
      assertTrue(first.out().contains("3,000 rows"), "rows read: " + first.out());
      List<Row> rows = sorted(spark.read().format("delta").load(out));
      assertEquals(500, rows.size(), format + " on " + storage);
      KilnCli.Outcome again = KilnCli.run(storage.environment(), "sample", conf.toString(), "--output", out);
      assertEquals(0, again.exitCode(), again.toString());
      assertEquals(rows, sorted(spark.read().format("delta").load(out)), "the same seed gives the same rows: "
          + format + " on " + storage);
      SampleProvenance provenance = provenance(spark, out);
      assertEquals(12, provenance.fileCount(), "every data file is listed: " + provenance.files());
      assertTrue(provenance.files().stream().allMatch(f -> f.startsWith(data)), provenance.files().toString());
      assertEquals(3_000, provenance.rowsRead());
      assertTrue(provenance.bytesRead() > 0, "bytes read are measured");
      assertFalse(first.out().contains(remote.s3().secretKey()), "the S3 secret is not printed");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("storages")
  void blocksReadOnlyChosenFilesAndDeltaIsPinned(TestStorage storage) throws IOException {
    SparkSession spark = SharedSpark.session();
    String table = storage.uri("/data/events-delta");
    events(spark).write().format("delta").mode("overwrite").save(table);                  // version 0: 3,000 rows
    java.time.Instant between = java.time.Instant.now();
    sleep();
    events(spark).limit(1_000).write().format("delta").mode("append").save(table);        // version 1: 4,000 rows

    String out = storage.uri("/samples/delta-blocks");
    Path blocks = pipelineFile(storage, "delta-blocks.conf", """
        source { format = delta, path = "%s", version = 0 }
        sample { fraction = 0.25, seed = 5, blocks = true }
        """.formatted(table));
    KilnCli.Outcome sampled = KilnCli.run(storage.environment(), "sample", blocks.toString(), "--output", out);
    assertEquals(0, sampled.exitCode(), sampled.toString());
    assertTrue(sampled.out().contains("file-blocks: 3 of 12 files chosen by a seeded hash of their names (seed 5)"),
        sampled.out());
    SampleProvenance provenance = provenance(spark, out);
    assertEquals(Optional.of(0L), provenance.sourceVersion());
    assertEquals(3, provenance.files().size());
    assertEquals(provenance.rowsRead(), provenance.rowsSampled(), "whole files, every row of them");
    assertTrue(provenance.rowsRead() < 3_000, "fewer rows read than the table has: " + provenance.rowsRead());

    Path byTime = pipelineFile(storage, "delta-time.conf", """
        source { format = delta, path = "%s", timestamp = "%s" }
        """.formatted(table, between));
    KilnCli.Outcome asOf = KilnCli.run(storage.environment(), "sample", byTime.toString(), "--output",
        storage.uri("/samples/delta-time"));
    assertEquals(0, asOf.exitCode(), asOf.toString());
    assertTrue(asOf.out().contains("@ version 0"), "the version current at the timestamp: " + asOf.out());
    assertTrue(asOf.out().contains("3,000 rows (bernoulli"), asOf.out());

    for (String format : List.of("parquet", "avro")) {
      String files = storage.uri("/samples/as-" + format);
      Path conf = pipelineFile(storage, "as-" + format + ".conf", """
          source { format = delta, path = "%s" }
          sample { fraction = 0.5, seed = 5, output.format = %s }
          """.formatted(table, format));
      for (int run = 0; run < 2; run++) {   // the second run replaces the first output
        KilnCli.Outcome written = KilnCli.run(storage.environment(), "sample", conf.toString(), "--output", files);
        assertEquals(0, written.exitCode(), written.toString());
      }
      long rows = spark.read().format(format).load(files).count();
      assertEquals(2_000, rows, 200, format);
      org.apache.hadoop.fs.Path lineage = new org.apache.hadoop.fs.Path(files, PipelineJobs.LINEAGE_FILE);
      FileSystem fs = lineage.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (var in = fs.open(lineage)) {
        JsonNode node = JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(rows, node.get("provenance").get("rows_sampled").asLong(), format + " lineage: " + node);
        assertEquals(1, node.get("provenance").get("source_version").asLong());
      }
      assertEquals(1, fs.listStatus(lineage.getParent().getParent(),
          p -> p.getName().contains("as-" + format)).length, "no staging or old directory is left behind");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("storages")
  void aMissingPathIsOneClearMessage(TestStorage storage) throws IOException {
    String missing = storage.name().equals("s3") ? "s3a://no-such-bucket/events" : storage.uri("/no/such/events");
    Path conf = pipelineFile(storage, "missing.conf", """
        source { format = parquet, path = "%s" }
        """.formatted(missing));
    KilnCli.Outcome outcome = KilnCli.run(storage.environment(), "sample", conf.toString());
    assertEquals(2, outcome.exitCode(), outcome.toString());
    assertTrue(outcome.err().contains("source.path") && outcome.err().contains(missing), outcome.err());
    assertFalse(outcome.err().contains("\tat "), "no stack trace: " + outcome.err());
  }

  private Path pipelineFile(TestStorage storage, String name, String body) throws IOException {
    Path file = dir.resolve(storage.name() + "-" + name);
    Files.writeString(file, """
        warehouse = "%s"
        pipeline.name = sampling
        features { label = amount, numeric = [id] }
        spark.partitions = 2
        %s
        %s""".formatted(storage.uri("/warehouse"), body, storage.confBlock()));
    return file;
  }

  private static SampleProvenance provenance(SparkSession spark, String table) {
    String metadata = DeltaTable.forPath(spark, table).history(1).select("userMetadata").head().getString(0);
    return RunLineage.fromJson(metadata, table).provenance().orElseThrow();
  }

  private static List<Row> sorted(Dataset<Row> rows) {
    return rows.orderBy("id").collectAsList();
  }

  /** Delta commit timestamps are file modification times, in milliseconds: keep the two commits apart. */
  private static void sleep() {
    try {
      Thread.sleep(2_500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
