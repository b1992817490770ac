package dev.kiln.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.PipelineConfig.SampleConfig;
import dev.kiln.config.PipelineConfig.WindowConfig;
import dev.kiln.source.DeltaSource;
import dev.kiln.source.FileSource;
import dev.kiln.source.Pushdown;
import dev.kiln.source.Source;
import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sampling strategies over real files and a real Delta table: exact sizes and strata, block sampling that
 * reads only the chosen files, the time window, and the same rows for the same seed.
 */
@UsesSpark
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SourceSamplerTest {

  private static final Instant END = Instant.parse("2026-11-01T00:00:00Z");
  private static final Clock CLOCK = Clock.fixed(END, ZoneOffset.UTC);

  private String parquet;
  private String delta;

  /** 20,000 rows in 40 files: region A 12,000, B 6,000, C 1,600, null 400; one event a day-ish back from END. */
  @BeforeAll
  void writeTables(SparkSession spark, @TempDir Path dir) {
    Dataset<Row> rows = spark.range(20_000).selectExpr("id",
        "CASE WHEN id % 50 < 30 THEN 'A' WHEN id % 50 < 45 THEN 'B' WHEN id % 50 < 49 THEN 'C' END AS region",
        "timestamp_seconds(" + END.getEpochSecond() + " - id * 1000) AS event_time",
        "cast(id * 7 % 1000 AS double) AS amount");
    parquet = "file:" + dir.resolve("events.parquet");
    delta = "file:" + dir.resolve("events.delta");
    rows.repartition(40).write().parquet(parquet);
    rows.repartition(40).write().format("delta").save(delta);
  }

  @Test
  void bernoulliWithBlocksReadsOnlyTheChosenFiles(SparkSession spark, DataFrameAssertions frames) {
    SampleConfig config = bernoulli(0.1, 42, true);
    SourceSampler.TakenSample taken = take(spark, config, parquet());
    Pushdown pushdown = taken.snapshot().pushdown();
    assertEquals(Pushdown.FILE_BLOCKS, pushdown.method());
    assertEquals(4, pushdown.files().size(), "ceil(10 % of 40) files");
    assertEquals(0.1, pushdown.appliedFraction(), 1e-12);
    Set<String> read = taken.rows().select(org.apache.spark.sql.functions.input_file_name()).distinct()
        .collectAsList().stream().map(r -> name(r.getString(0))).collect(Collectors.toSet());
    Set<String> chosen = pushdown.files().stream().map(SourceSamplerTest::name).collect(Collectors.toSet());
    assertEquals(chosen, read, "rows come from the chosen files only");
    long n = taken.rows().count();
    assertTrue(n > 1_000 && n < 3_000, "about 2,000 rows: " + n);
    frames.assertEqualsIgnoringOrder(taken.rows(), take(spark, config, parquet()).rows());
    assertNotEquals(Set.copyOf(pushdown.files()),
        Set.copyOf(take(spark, bernoulli(0.1, 7, true), parquet()).snapshot().pushdown().files()),
        "another seed chooses other files");
  }

  @Test
  void bernoulliWithoutBlocksSamplesRowsOfEveryFile(SparkSession spark) {
    SourceSampler.TakenSample taken = take(spark, bernoulli(0.1, 42, false), parquet());
    assertEquals(Pushdown.NONE, taken.snapshot().pushdown().method());
    long n = taken.rows().count();
    assertEquals(2_000, n, 170, "within 4 standard deviations of 10 %");
  }

  @Test
  void fixedSizeIsExactWithAndWithoutBlocks(SparkSession spark, DataFrameAssertions frames) {
    for (boolean blocks : List.of(false, true)) {
      SampleConfig config = fixed(1_234, 42, blocks, Optional.empty());
      Dataset<Row> rows = take(spark, config, parquet()).rows();
      assertEquals(1_234, rows.count(), "blocks=" + blocks);
      assertEquals(1_234, rows.distinct().count());
      frames.assertEqualsIgnoringOrder(rows, take(spark, config, parquet()).rows());
    }
    SourceSampler.TakenSample blocks = take(spark, fixed(1_234, 42, true, Optional.empty()), parquet());
    assertTrue(blocks.snapshot().pushdown().files().size() < 40, "a fixed size reads only enough files");
    assertEquals(20_000, take(spark, fixed(50_000, 42, false, Optional.empty()), parquet()).rows().count(),
        "asking for more than there is keeps everything");
  }

  @Test
  void stratifiedCountsAreExactPerStratum(SparkSession spark, DataFrameAssertions frames) {
    SampleConfig config = stratified(Map.of(), Map.of("A", 300L, "B", 150L, "C", 2_000L, "*", 25L), false);
    SourceSampler.TakenSample taken = take(spark, config, parquet());
    Map<String, Long> got = countsByRegion(taken.rows());
    assertEquals(Map.of("A", 300L, "B", 150L, "C", 1_600L, "null", 25L), got);
    assertTrue(taken.notes().stream().anyMatch(n -> n.contains("region=C has 1,600 rows")), taken.notes().toString());
    frames.assertEqualsIgnoringOrder(taken.rows(), take(spark, config, parquet()).rows());
    Map<String, Long> withBlocks = countsByRegion(take(spark,
        stratified(Map.of(), Map.of("A", 300L, "B", 150L), true), parquet()).rows());
    assertEquals(Map.of("A", 300L, "B", 150L), withBlocks, "exact with blocks too; unlisted strata left out");
  }

  @Test
  void stratifiedFractionsApplyPerStratum(SparkSession spark) {
    Map<String, Long> got = countsByRegion(take(spark,
        stratified(Map.of("A", 0.05, "B", 1.0), Map.of(), false), parquet()).rows());
    assertEquals(6_000L, got.get("B"), "fraction 1 keeps the whole stratum");
    assertEquals(600, got.get("A"), 100);
    assertEquals(Set.of("A", "B"), got.keySet());
  }

  @Test
  void theWindowComesFirstAndIsRecordedAsBounds(SparkSession spark) {
    WindowConfig last30Days = new WindowConfig("event_time", Duration.ofDays(30), Optional.empty());
    SampleConfig config = fixed(500, 42, false, Optional.of(last30Days));
    SourceSampler sampler = new SourceSampler(config, CLOCK);
    assertEquals(END.minus(Duration.ofDays(30)), sampler.window().orElseThrow().start());
    Dataset<Row> rows = sampler.take(spark, parquet()).rows();
    assertEquals(500, rows.count());
    long inWindow = 30L * 86_400 / 1000;  // one event every 1,000 s
    assertEquals(0, rows.filter("id > " + inWindow).count(), "only rows of the last 30 days");
  }

  @Test
  void deltaBlocksPinTheVersionAndReadOnlyChosenFiles(SparkSession spark, DataFrameAssertions frames) {
    SourceSampler.TakenSample taken = take(spark, bernoulli(0.05, 42, true), new DeltaSource(delta));
    assertEquals(Optional.of(0L), taken.snapshot().version());
    assertEquals(Pushdown.FILE_BLOCKS, taken.snapshot().pushdown().method());
    assertEquals(2, taken.snapshot().pushdown().files().size());
    long n = taken.rows().count();
    assertTrue(n > 500 && n < 1_500, "about 1,000 rows: " + n);
    frames.assertEqualsIgnoringOrder(taken.rows(), take(spark, bernoulli(0.05, 42, true), new DeltaSource(delta))
        .rows());
  }

  @Test
  void provenanceRoundTripsThroughJson(SparkSession spark) {
    SampleConfig config = fixed(100, 42, true, Optional.of(new WindowConfig("event_time", Duration.ofDays(90),
        Optional.of(END))));
    SourceSampler sampler = new SourceSampler(config, CLOCK);
    SourceSampler.TakenSample taken = sampler.take(spark, parquet());
    SampleProvenance provenance = SampleProvenance.of(taken, taken.files(spark), 42, sampler.window(), 500, 12_345,
        100, END);
    assertEquals(provenance, SampleProvenance.fromJson(provenance.toJson()));
    assertEquals(taken.snapshot().pushdown().files(), provenance.files());
    assertEquals(Pushdown.FILE_BLOCKS, provenance.pushdown());
  }

  private static String name(String file) {
    return new org.apache.hadoop.fs.Path(file).getName();
  }

  private static Map<String, Long> countsByRegion(Dataset<Row> rows) {
    Map<String, Long> counts = new HashMap<>();
    rows.groupBy("region").count().collectAsList()
        .forEach(r -> counts.put(r.isNullAt(0) ? "null" : r.getString(0), r.getLong(1)));
    return counts;
  }

  private Source parquet() {
    return new FileSource("parquet", parquet, Map.of());
  }

  private static SourceSampler.TakenSample take(SparkSession spark, SampleConfig config, Source source) {
    return new SourceSampler(config, CLOCK).take(spark, source);
  }

  private static SampleConfig bernoulli(double fraction, long seed, boolean blocks) {
    return new SampleConfig("bernoulli", fraction, Optional.empty(), seed, Optional.empty(), Map.of(), Map.of(),
        Optional.empty(), blocks, "delta");
  }

  private static SampleConfig fixed(long size, long seed, boolean blocks, Optional<WindowConfig> window) {
    return new SampleConfig("fixed", 1.0, Optional.of(size), seed, Optional.empty(), Map.of(), Map.of(), window,
        blocks, "delta");
  }

  private static SampleConfig stratified(Map<String, Double> fractions, Map<String, Long> counts, boolean blocks) {
    return new SampleConfig("stratified", 1.0, Optional.empty(), 42, Optional.of("region"), fractions, counts,
        Optional.empty(), blocks, "delta");
  }
}
