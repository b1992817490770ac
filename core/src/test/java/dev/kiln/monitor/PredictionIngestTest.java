package dev.kiln.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.errors.InvalidInputException;
import dev.kiln.errors.JobFailedException;
import dev.kiln.score.InputField;
import dev.kiln.score.InputField.FieldType;
import dev.kiln.score.ModelSignature;
import dev.kiln.testing.UsesSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UsesSpark
class PredictionIngestTest {

  static final Instant DAY_ONE = Instant.parse("2026-11-21T10:00:00Z");
  static final Instant DAY_TWO = Instant.parse("2026-11-22T10:00:00Z");

  @TempDir
  Path dir;

  @Test
  void runningTwiceLeavesEveryRequestInTheTableExactlyOnceWithItsTypes(SparkSession spark) {
    writeLog(3, AvroPredictionLogTest.SIGNATURE, "a", 40, DAY_ONE, 2048);
    writeLog(3, AvroPredictionLogTest.SIGNATURE, "b", 30, DAY_TWO, 2048);
    long files = logFiles().size();
    assertTrue(files >= 4, files + " files");

    PredictionIngest.Result first = ingest(spark);
    assertEquals(new PredictionIngest.Result(table(), files, 0, 70, 70, 0), first);
    PredictionIngest.Result second = ingest(spark);
    assertEquals(new PredictionIngest.Result(table(), 0, files, 0, 0, 0), second, "every file is skipped");

    Dataset<Row> rows = spark.read().format("delta").load(table());
    assertEquals(70, rows.count());
    assertEquals(70, rows.select("request_id").distinct().count());
    assertEquals(40, rows.where("date = DATE'2026-11-21'").count());
    assertEquals(List.of("date"), spark.sql("DESCRIBE DETAIL delta.`" + table() + "`").select("partitionColumns")
        .head().getList(0));

    StructType schema = rows.schema();
    assertEquals(DataTypes.TimestampType, schema.apply("time").dataType());
    assertEquals(DataTypes.LongType, schema.apply("model_version").dataType());
    StructType inputs = (StructType) schema.apply("inputs").dataType();
    assertEquals(DataTypes.StringType, inputs.apply("country").dataType());
    assertEquals(DataTypes.IntegerType, inputs.apply("tenure_months").dataType());
    assertEquals(DataTypes.DoubleType, inputs.apply("monthly_charges").dataType());
    assertEquals(DataTypes.FloatType, inputs.apply("score").dataType());
    assertEquals(DataTypes.TimestampType, inputs.apply("last_seen").dataType());
    assertEquals(DataTypes.DateType, inputs.apply("signup_date").dataType());
    StructType outputs = (StructType) schema.apply("outputs").dataType();
    assertEquals(DataTypes.DoubleType, ((org.apache.spark.sql.types.ArrayType) outputs.apply("probability").dataType())
        .elementType());

    Row one = rows.where("request_id = 'a-7'").selectExpr("time", "inputs.tenure_months", "inputs.signup_date",
        "inputs.last_seen", "outputs.probability[1]", "outputs.predicted_label", "source_file", "model",
        "model_version").head();
    assertEquals(DAY_ONE.plusSeconds(7), one.getTimestamp(0).toInstant());
    assertEquals(7, one.getInt(1));
    assertEquals(LocalDate.parse("2024-02-29"), one.getDate(2).toLocalDate());
    assertEquals(Instant.parse("2026-11-01T08:30:00.000001Z"), one.getTimestamp(3).toInstant());
    assertEquals(0.1, one.getDouble(4));
    assertEquals("no", one.getString(5));
    assertTrue(one.getString(6).matches("version=3/date=2026-11-21/part-.*\\.avro"), one.getString(6));
    assertEquals("churn", one.getString(7));
    assertEquals(3L, one.getLong(8));
  }

  @Test
  void aFileWrittenAfterARunIsPickedUpByTheNext(SparkSession spark) {
    writeLog(3, AvroPredictionLogTest.SIGNATURE, "a", 20, DAY_ONE, 1 << 20);
    assertEquals(20, ingest(spark).inserted());
    writeLog(3, AvroPredictionLogTest.SIGNATURE, "b", 5, DAY_ONE, 1 << 20);

    PredictionIngest.Result next = ingest(spark);
    assertEquals(new PredictionIngest.Result(table(), 1, 1, 5, 5, 0), next);
    assertEquals(25, spark.read().format("delta").load(table()).count());
  }

  @Test
  void aCopyOfAFileUnderAnotherNameAddsNoRows(SparkSession spark) throws IOException {
    writeLog(3, AvroPredictionLogTest.SIGNATURE, "a", 20, DAY_ONE, 1 << 20);
    Path original = logFiles().get(0);
    Files.copy(original, original.resolveSibling("part-copy-1.avro"));
    PredictionIngest.Result together = ingest(spark);
    assertEquals(new PredictionIngest.Result(table(), 2, 0, 40, 20, 20), together,
        "a copy read with its original: each request once");

    Files.copy(original, original.resolveSibling("part-copy-2.avro"));
    PredictionIngest.Result later = ingest(spark);
    assertEquals(2, later.filesRead(), "the new copy, and the first copy, which never became a source_file");
    assertEquals(0, later.inserted());
    assertEquals(40, later.alreadyPresent());
    Dataset<Row> rows = spark.read().format("delta").load(table());
    assertEquals(20, rows.count());
    assertEquals(List.of(original.getFileName().toString()), rows.selectExpr("split(source_file, '/')[2]")
        .distinct().collectAsList().stream().map(r -> r.getString(0)).toList(),
        "rows are attributed to the first file by name");
  }

  @Test
  void aRunThatFailsHalfWayChangesNothingAndTheNextDoesItAll(SparkSession spark) throws IOException {
    writeLog(3, AvroPredictionLogTest.SIGNATURE, "a", 20, DAY_ONE, 1 << 20);
    assertEquals(20, ingest(spark).inserted());
    writeLog(3, AvroPredictionLogTest.SIGNATURE, "b", 20, DAY_ONE, 1 << 20);
    writeLog(3, AvroPredictionLogTest.SIGNATURE, "c", 20, DAY_TWO, 1 << 20);
    Path broken = logFiles().stream().filter(f -> f.toString().contains("2026-11-22")).findFirst().orElseThrow();
    byte[] whole = Files.readAllBytes(broken);
    byte[] corrupt = whole.clone();
    java.util.Arrays.fill(corrupt, corrupt.length - 16, corrupt.length, (byte) 0); // the last block's sync marker
    Files.write(broken, corrupt);

    JobFailedException failed = assertThrows(JobFailedException.class, () -> ingest(spark));
    assertTrue(failed.getMessage().contains(broken.getFileName().toString())
        && failed.getMessage().endsWith("Invalid sync!"), failed.getMessage());
    assertEquals(20, spark.read().format("delta").load(table()).count(), "nothing of the failed run is visible");

    Files.write(broken, whole);
    PredictionIngest.Result retried = ingest(spark);
    assertEquals(new PredictionIngest.Result(table(), 2, 1, 40, 40, 0), retried);
    assertEquals(60, spark.read().format("delta").load(table()).select("request_id").distinct().count());
  }

  @Test
  void aVersionWhoseSignatureAddsAnInputAddsAFieldToTheTable(SparkSession spark) {
    writeLog(3, AvroPredictionLogTest.SIGNATURE, "v3", 10, DAY_ONE, 1 << 20);
    assertEquals(10, ingest(spark).inserted());

    List<InputField> more = new ArrayList<>(AvroPredictionLogTest.SIGNATURE.inputs());
    more.add(new InputField("plan", FieldType.STRING, true));
    writeLog(4, new ModelSignature(more, List.of("prediction")), "v4", 10, DAY_ONE, 1 << 20);
    writeLog(5, AvroPredictionLogTest.SIGNATURE, "v5", 10, DAY_ONE, 1 << 20); // without it again
    PredictionIngest.Result result = ingest(spark);
    assertEquals(20, result.inserted());

    Dataset<Row> rows = spark.read().format("delta").load(table());
    assertEquals(30, rows.count());
    assertEquals(List.of("gold"), rows.where("model_version = 4").select("inputs.plan").distinct().collectAsList()
        .stream().map(r -> r.getString(0)).toList());
    assertNull(rows.where("model_version = 3").select("inputs.plan").head().get(0));
    assertNull(rows.where("model_version = 5").select("inputs.plan").head().get(0));
  }

  @Test
  void anInputWhoseTypeChangesBetweenVersionsIsAnInputErrorNamingIt(SparkSession spark) {
    List<InputField> retyped = new ArrayList<>(AvroPredictionLogTest.SIGNATURE.inputs());
    retyped.set(1, new InputField("tenure_months", FieldType.DOUBLE, true));
    writeLog(3, AvroPredictionLogTest.SIGNATURE, "v3", 5, DAY_ONE, 1 << 20);
    writeLog(4, new ModelSignature(retyped, List.of("prediction")), "v4", 5, DAY_ONE, 1 << 20);
    InvalidInputException together = assertThrows(InvalidInputException.class, () -> ingest(spark));
    assertTrue(together.getMessage().startsWith("input 'tenure_months' is [\"null\",\"int\"] in version 3 but "
        + "[\"null\",\"double\"] in version 4"), together.getMessage());

    Path v4 = dir.resolve("log/churn/version=4");
    Path aside = dir.resolve("aside");
    try {
      Files.move(v4, aside);
      assertEquals(5, ingest(spark).inserted());
      Files.move(aside, v4);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    InvalidInputException later = assertThrows(InvalidInputException.class, () -> ingest(spark));
    assertEquals("the prediction log does not fit the table " + table() + ": column 'inputs.tenure_months' is int "
        + "in the table but double in the log; ingest the new version into another table (--table)",
        later.getMessage());
    assertEquals(5, spark.read().format("delta").load(table()).count());
  }

  @Test
  void aMissingLogOrModelIsAnInputErrorNamingIt(SparkSession spark) {
    InvalidInputException noLog = assertThrows(InvalidInputException.class,
        () -> new PredictionIngest(spark).ingest(dir.resolve("nowhere").toString(), "churn", table()));
    assertEquals("there is no prediction log at file:" + dir.resolve("nowhere"), noLog.getMessage());

    writeLog(3, AvroPredictionLogTest.SIGNATURE, "a", 1, DAY_ONE, 1 << 20);
    InvalidInputException noModel = assertThrows(InvalidInputException.class,
        () -> new PredictionIngest(spark).ingest(dir.resolve("log").toString(), "fraud", table()));
    assertEquals("the prediction log file:" + dir.resolve("log") + " has no predictions of model 'fraud' (it has "
        + "churn)", noModel.getMessage());
  }

  // ------------------------------------------------------------------------------------------ helpers

  private PredictionIngest.Result ingest(SparkSession spark) {
    return new PredictionIngest(spark).ingest(dir.resolve("log").toString(), "churn", table());
  }

  private String table() {
    return "file:" + dir.resolve("warehouse/predictions/churn");
  }

  /** {@code count} records {@code <prefix>-<i>}, one second apart from {@code start}, through a log of its own. */
  private void writeLog(long version, ModelSignature signature, String prefix, int count, Instant start,
      long maxFileBytes) {
    try (AvroPredictionLog log = new AvroPredictionLog(dir.resolve("log").toString(), "churn", version, signature,
        new Configuration(), AvroPredictionLog.Settings.defaults().withMaxFileBytes(maxFileBytes).withCodec("null"))) {
      for (int i = 0; i < count; i++) {
        Map<String, Object> inputs = new HashMap<>();
        inputs.put("country", i % 2 == 0 ? "DE" : null);
        inputs.put("tenure_months", i);
        inputs.put("customer_id", 1000L + i);
        inputs.put("monthly-charges", 20.0 + i);
        inputs.put("score", 0.5f);
        inputs.put("active", i % 3 == 0);
        inputs.put("last_seen", Instant.parse("2026-11-01T08:30:00.000001Z"));
        inputs.put("signup_date", LocalDate.parse("2024-02-29"));
        inputs.put("plan", "gold");
        log.append(new PredictionRecord(prefix + "-" + i, start.plusSeconds(i), "churn", version, inputs,
            Map.of("prediction", 0.0, "probability", new double[] {0.9, 0.1}, "predicted_label", "no"), 100 + i));
      }
      log.close();
      assertEquals(count, log.written());
    }
  }

  private List<Path> logFiles() {
    try (Stream<Path> all = Files.walk(dir.resolve("log"))) {
      return all.filter(p -> p.getFileName().toString().endsWith(".avro")).sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
