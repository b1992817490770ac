package dev.kiln.monitor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.errors.InvalidInputException;
import dev.kiln.score.InputField;
import dev.kiln.score.InputField.FieldType;
import dev.kiln.score.ModelSignature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.avro.LogicalTypes;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AvroPredictionLogTest {

  static final ModelSignature SIGNATURE = new ModelSignature(List.of(
      new InputField("country", FieldType.STRING, true),
      new InputField("tenure_months", FieldType.INTEGER, true),
      new InputField("customer_id", FieldType.LONG, false),
      new InputField("monthly-charges", FieldType.DOUBLE, true),
      new InputField("score", FieldType.FLOAT, true),
      new InputField("active", FieldType.BOOLEAN, true),
      new InputField("last_seen", FieldType.TIMESTAMP, true),
      new InputField("signup_date", FieldType.DATE, true)),
      List.of("prediction", "probability", "predicted_label"));

  static final Instant NOON = Instant.parse("2026-11-22T12:00:00.123456Z");

  @TempDir
  Path dir;

  @AfterEach
  void openTheGate() {
    GatedFileSystem.reset();
  }

  @Test
  void aRecordRoundTripsWithItsTypesUnderTheLayout() throws IOException {
    Map<String, Object> inputs = new HashMap<>();
    inputs.put("country", "DE");
    inputs.put("tenure_months", 12);
    inputs.put("customer_id", 1234567890123L);
    inputs.put("monthly-charges", 70.35);
    inputs.put("score", 0.25f);
    inputs.put("active", true);
    inputs.put("last_seen", Instant.parse("2026-11-01T08:30:00.000001Z"));
    inputs.put("signup_date", LocalDate.parse("2024-02-29"));
    try (AvroPredictionLog log = log(AvroPredictionLog.Settings.defaults())) {
      log.append(new PredictionRecord("req-1", NOON, "churn", 3, inputs,
          Map.of("prediction", 1.0, "probability", new double[] {0.2, 0.8}, "predicted_label", "yes"), 850));
      Map<String, Object> sparse = new HashMap<>();
      sparse.put("customer_id", 7L);
      sparse.put("country", null);
      log.append(new PredictionRecord("req-2", NOON, "churn", 3, sparse, Map.of("prediction", 0.0), 90));
    }

    List<Path> files = visibleFiles();
    assertEquals(1, files.size(), files.toString());
    String relative = dir.relativize(files.get(0)).toString();
    assertTrue(relative.matches("log/churn/version=3/date=2026-11-22/part-\\d{8}T\\d{6}Z-[0-9a-f-]{36}\\.avro"),
        relative);
    List<GenericRecord> records = read(files.get(0));
    assertEquals(2, records.size());

    GenericRecord first = records.get(0);
    assertEquals("req-1", first.get("request_id").toString());
    assertEquals(NOON.getEpochSecond() * 1_000_000 + 123_456, first.get("time"));
    assertEquals("churn", first.get("model").toString());
    assertEquals(3L, first.get("model_version"));
    assertEquals(850L, first.get("latency_micros"));
    GenericRecord in = (GenericRecord) first.get("inputs");
    assertEquals("DE", in.get("country").toString());
    assertEquals(12, in.get("tenure_months"));
    assertEquals(1234567890123L, in.get("customer_id"));
    assertEquals(70.35, in.get("monthly_charges"), "a name Avro cannot hold is stored with '_'");
    assertEquals(0.25f, in.get("score"));
    assertEquals(true, in.get("active"));
    assertEquals(Instant.parse("2026-11-01T08:30:00.000001Z").getEpochSecond() * 1_000_000 + 1, in.get("last_seen"));
    assertEquals((int) LocalDate.parse("2024-02-29").toEpochDay(), in.get("signup_date"));
    GenericRecord out = (GenericRecord) first.get("outputs");
    assertEquals(1.0, out.get("prediction"));
    assertArrayEquals(new Object[] {0.2, 0.8}, ((List<?>) out.get("probability")).toArray());
    assertEquals("yes", out.get("predicted_label").toString());

    GenericRecord second = records.get(1);
    GenericRecord sparseIn = (GenericRecord) second.get("inputs");
    assertNull(sparseIn.get("country"));
    assertNull(sparseIn.get("tenure_months"), "a missing input is null");
    assertNull(((GenericRecord) second.get("outputs")).get("probability"));

    var schema = first.getSchema();
    assertEquals(LogicalTypes.timestampMicros(), schema.getField("time").schema().getLogicalType());
    var inputSchema = schema.getField("inputs").schema();
    assertEquals("monthly-charges", inputSchema.getField("monthly_charges").getProp("kiln.name"));
    assertEquals(LogicalTypes.timestampMicros(), inputSchema.getField("last_seen").schema().getTypes().get(1)
        .getLogicalType());
    assertEquals(LogicalTypes.date(), inputSchema.getField("signup_date").schema().getTypes().get(1)
        .getLogicalType());
    try (DataFileReader<GenericRecord> reader = new DataFileReader<>(files.get(0).toFile(),
        new GenericDatumReader<>())) {
      assertEquals("churn", reader.getMetaString("kiln.model"));
      assertEquals(3L, reader.getMetaLong("kiln.model_version"));
    }
    try (Stream<Path> all = Files.walk(dir)) {
      assertEquals(List.of(), all.filter(p -> p.getFileName().toString().endsWith(".crc")).toList(),
          "no checksum files beside the log");
    }
  }

  @Test
  void aFileIsRolledOnceItReachesTheSizeLimit() throws IOException {
    long limit = 8 * 1024;
    try (AvroPredictionLog log = log(AvroPredictionLog.Settings.defaults().withMaxFileBytes(limit).withCodec("null"))) {
      for (int i = 0; i < 2000; i++) {
        log.append(record("req-" + i, NOON));
      }
    }
    List<Path> files = visibleFiles();
    assertTrue(files.size() >= 10, files.size() + " files");
    assertEquals(2000, files.stream().mapToInt(f -> read(f).size()).sum());
    for (Path file : files) {
      // One Avro block (here 1 KiB) may go past the limit.
      assertTrue(Files.size(file) < limit + 4096, file + ": " + Files.size(file) + " bytes");
    }
  }

  @Test
  void aFileIsCompletedWhenItHasBeenOpenLongEnoughWithoutAFlush() {
    AvroPredictionLog log = log(AvroPredictionLog.Settings.defaults().withMaxFileAge(Duration.ofMillis(200)));
    try {
      log.append(record("req-1", NOON));
      // The count moves just after the rename: wait for both.
      await(() -> visibleFiles().size() == 1 && log.written() == 1, "the first file completes by age");
      log.append(record("req-2", NOON));
      await(() -> visibleFiles().size() == 2 && log.written() == 2, "a second file completes by age");
      assertEquals(List.of(1, 1), visibleFiles().stream().map(f -> read(f).size()).toList());
    } finally {
      log.close();
    }
  }

  @Test
  void closeWritesEverythingAppendedAndLaterAppendsAreDropped() {
    AvroPredictionLog log = log(AvroPredictionLog.Settings.defaults());
    for (int i = 0; i < 500; i++) {
      log.append(record("req-" + i, NOON));
    }
    assertEquals(List.of(), visibleFiles(), "nothing is written before a roll, flush or close");
    log.close();
    assertEquals(500, visibleFiles().stream().mapToInt(f -> read(f).size()).sum());
    assertEquals(500, log.written());
    log.append(record("late", NOON));
    log.flush();
    log.close();
    assertEquals(1, log.dropped(), "an append after close is dropped and counted");
    assertEquals(500, log.written());
  }

  @Test
  void aFileBeingWrittenIsHiddenUntilItIsComplete() throws IOException {
    try (AvroPredictionLog log = log(AvroPredictionLog.Settings.defaults())) {
      for (int i = 0; i < 10; i++) {
        log.append(record("req-" + i, NOON));
      }
      await(() -> log.bufferedBytes() == 0 && !hiddenFiles().isEmpty(), "the writer has the file open");
      assertEquals(List.of(), visibleFiles());
      assertEquals(1, hiddenFiles().size());
      assertTrue(hiddenFiles().get(0).getFileName().toString().matches("_part-.*\\.avro\\.inprogress"),
          hiddenFiles().toString());

      log.flush();
      assertEquals(List.of(), hiddenFiles(), "renamed, not copied");
      assertEquals(1, visibleFiles().size());
      assertEquals(10, read(visibleFiles().get(0)).size());
    }
  }

  @Test
  void concurrentAppendsFromManyThreadsLoseNothingAndEveryVisibleFileIsWhole() throws Exception {
    int threads = 6;
    int each = 1500;
    AvroPredictionLog log = log(AvroPredictionLog.Settings.defaults().withMaxFileBytes(16 * 1024));
    AtomicBoolean writing = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    try {
      // A reader that keeps reading every visible file while they are written: a half-written one would not parse.
      Future<Integer> reader = pool.submit(() -> {
        int reads = 0;
        while (writing.get()) {
          for (Path file : visibleFiles()) {
            read(file);
            reads++;
          }
        }
        return reads;
      });
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        writers.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < each; i++) {
            log.append(record("t" + thread + "-" + i, NOON));
            if (i % 500 == 0) {
              log.flush();
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> writer : writers) {
        writer.get();
      }
      log.close();
      writing.set(false);
      assertTrue(reader.get() > 0, "the reader read files while they were written");
    } finally {
      writing.set(false);
      pool.shutdownNow();
      log.close();
    }
    Set<String> ids = new HashSet<>();
    int rows = 0;
    for (Path file : visibleFiles()) {
      for (GenericRecord record : read(file)) {
        ids.add(record.get("request_id").toString());
        rows++;
      }
    }
    assertEquals(threads * each, rows, "no record lost or written twice");
    assertEquals(threads * each, ids.size());
    assertEquals(threads * each, log.written());
    assertEquals(0, log.dropped() + log.failed() + log.rejected());
  }

  @Test
  void aFullBufferDropsAndCountsRecordsInsteadOfBlocking() {
    int size = new PredictionSchema(SIGNATURE).encode(record("req-00", NOON)).length;
    GatedFileSystem.gate = new CountDownLatch(1); // storage hangs
    AvroPredictionLog log = new AvroPredictionLog("gated:" + dir.resolve("log"), "churn", 3, SIGNATURE,
        GatedFileSystem.conf(), AvroPredictionLog.Settings.defaults().withMaxBufferedBytes(10L * size));
    try {
      log.append(record("req-00", NOON));
      await(() -> log.bufferedBytes() == 0, "the writer took the first record and waits for storage");
      for (int i = 1; i <= 30; i++) {
        log.append(record(String.format("req-%02d", i), NOON)); // returns at once though storage hangs
      }
      assertEquals(20, log.dropped(), "10 records fit the buffer, 20 do not");
      assertEquals(10L * size, log.bufferedBytes());
    } finally {
      GatedFileSystem.gate.countDown();
      log.close();
    }
    assertEquals(11, log.written());
    assertEquals(11, visibleFiles().stream().mapToInt(f -> read(f).size()).sum());
  }

  @Test
  void storageFailuresAreCountedNeverThrownAndTheLogGoesOn() {
    GatedFileSystem.failCreates = true;
    try (AvroPredictionLog log = new AvroPredictionLog("gated:" + dir.resolve("log"), "churn", 3, SIGNATURE,
        GatedFileSystem.conf(), AvroPredictionLog.Settings.defaults())) {
      for (int i = 0; i < 3; i++) {
        log.append(record("lost-" + i, NOON));
      }
      log.flush();
      assertEquals(3, log.failed());
      GatedFileSystem.failCreates = false;
      log.append(record("kept-1", NOON));
      log.append(record("kept-2", NOON));
      log.close();
      assertEquals(2, log.written());
      assertEquals(List.of(), hiddenFiles());
    }
    assertEquals(2, read(visibleFiles().get(0)).size());
  }

  @Test
  void recordsThatDoNotFitAreRejectedAndCountedWithoutThrowing() {
    try (AvroPredictionLog log = log(AvroPredictionLog.Settings.defaults())) {
      Map<String, Object> wrongType = new HashMap<>(record("a", NOON).inputs());
      wrongType.put("tenure_months", "twelve");
      log.append(new PredictionRecord("a", NOON, "churn", 3, wrongType, Map.of("prediction", 1.0), 1));
      log.append(new PredictionRecord("b", NOON, "churn", 4, record("b", NOON).inputs(), Map.of("prediction", 1.0),
          1));
      log.append(new PredictionRecord("c", NOON, "churn", 3, record("c", NOON).inputs(), Map.of(), 1));
      log.append(record("d", NOON));
      log.flush();
      assertEquals(3, log.rejected());
      assertEquals(1, log.written());
    }
  }

  @Test
  void anInputTypedAsTextOrAnotherNumberIsReadLikeTheScorerReadsIt() {
    PredictionSchema schema = new PredictionSchema(SIGNATURE);
    Map<String, Object> inputs = new HashMap<>(record("a", NOON).inputs());
    inputs.put("tenure_months", 12L);
    inputs.put("last_seen", "2026-11-01T08:30:00Z");
    inputs.put("signup_date", "2024-02-29");
    schema.encode(new PredictionRecord("a", NOON, "churn", 3, inputs, Map.of("prediction", 1), 1));
    inputs.put("tenure_months", 12.5);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> schema.encode(
        new PredictionRecord("a", NOON, "churn", 3, inputs, Map.of("prediction", 1), 1)));
    assertEquals("input 'tenure_months' is a java.lang.Double, which cannot be stored as integer", e.getMessage());
  }

  @Test
  void recordsOfAnotherUtcDateGoToAFileUnderThatDate() {
    try (AvroPredictionLog log = log(AvroPredictionLog.Settings.defaults())) {
      log.append(record("before", Instant.parse("2026-11-21T23:59:59.999999Z")));
      log.append(record("after", Instant.parse("2026-11-22T00:00:00Z")));
    }
    List<String> dates = visibleFiles().stream().map(f -> f.getParent().getFileName().toString()).sorted().toList();
    assertEquals(List.of("date=2026-11-21", "date=2026-11-22"), dates);
  }

  @Test
  void twoInputsThatWouldShareAnAvroNameAreRefusedNamingBoth() {
    ModelSignature clash = new ModelSignature(List.of(new InputField("monthly-charges", FieldType.DOUBLE, true),
        new InputField("Monthly_Charges", FieldType.DOUBLE, true)), List.of("prediction"));
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> new AvroPredictionLog(dir.toString(), "churn", 1, clash, new Configuration()));
    assertTrue(e.getMessage().startsWith("inputs 'monthly-charges' and 'Monthly_Charges' would both be stored as "
        + "'Monthly_Charges'"), e.getMessage());
  }

  // ------------------------------------------------------------------------------------------ helpers

  private AvroPredictionLog log(AvroPredictionLog.Settings settings) {
    return new AvroPredictionLog(dir.resolve("log").toString(), "churn", 3, SIGNATURE, new Configuration(),
        settings);
  }

  static PredictionRecord record(String id, Instant time) {
    Map<String, Object> inputs = new HashMap<>();
    inputs.put("country", "FR");
    inputs.put("tenure_months", 24);
    inputs.put("customer_id", 42L);
    inputs.put("monthly-charges", 55.5);
    inputs.put("active", false);
    return new PredictionRecord(id, time, "churn", 3, inputs,
        Map.of("prediction", 0.0, "probability", new double[] {0.9, 0.1}, "predicted_label", "no"), 120);
  }

  private List<Path> visibleFiles() {
    return files(name -> name.endsWith(".avro") && !name.startsWith("_") && !name.startsWith("."));
  }

  private List<Path> hiddenFiles() {
    return files(name -> name.startsWith("_") || name.startsWith("."));
  }

  private List<Path> files(java.util.function.Predicate<String> name) {
    if (!Files.exists(dir.resolve("log"))) {
      return List.of();
    }
    try (Stream<Path> all = Files.walk(dir.resolve("log"))) {
      return all.filter(Files::isRegularFile).filter(p -> name.test(p.getFileName().toString())).sorted().toList();
    } catch (IOException | java.io.UncheckedIOException e) {
      return files(name); // a file was renamed while the tree was walked: look again
    }
  }

  static List<GenericRecord> read(Path file) {
    List<GenericRecord> records = new ArrayList<>();
    try (DataFileReader<GenericRecord> reader = new DataFileReader<>(file.toFile(), new GenericDatumReader<>())) {
      reader.forEach(records::add);
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file + ": " + e, e);
    }
    return records;
  }

  /** Waits for something the writer thread does in its own time; generous, since the machine may be loaded. */
  static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
