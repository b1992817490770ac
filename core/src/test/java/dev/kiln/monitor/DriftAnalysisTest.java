package dev.kiln.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.errors.InvalidInputException;
import dev.kiln.monitor.DriftAnalysis.ColumnDrift;
import dev.kiln.monitor.RecentData.DateWindow;
import dev.kiln.testing.SparkJobs;
import dev.kiln.testing.UsesSpark;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drift on generated rows whose shift the test controls: a baseline of 4,000 training rows, then scored tables of
 * 3,000 recent rows, unchanged or with one thing changed.
 */
@UsesSpark
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DriftAnalysisTest {

  static final LocalDate DAY = LocalDate.parse("2026-11-22");
  static final String TRAINING_COLUMNS = """
      id,
      50 + 10 * randn(SEED) as amount,
      case when id % 10 < 5 then 'basic' when id % 10 < 8 then 'pro' else 'premium' end as plan,
      case when id % 20 = 0 then null else cast(20 + id % 50 as int) end as age,
      id % 3 = 0 as promo,
      timestamp'2026-01-01 00:00:00' as signed_up""";

  private DriftBaseline baseline;
  private Path dir;

  @BeforeAll
  void recordTheBaseline(SparkSession spark, @TempDir Path dir) {
    this.dir = dir;
    Dataset<Row> training = rows(spark, 4_000, 1, TRAINING_COLUMNS);
    baseline = DriftBaseline.compute(training, inputFields(training), Set.of(), heldOut(spark, 1_500, 2),
        "binary", new DriftBaseline.Options(10, 50));
  }

  @Test
  void theBaselineBucketsTrainingAndHeldOutRows() {
    assertEquals(4_000, baseline.trainingRows());
    assertEquals(1_500, baseline.heldOutRows());
    assertEquals(List.of("amount", "plan", "age", "promo"), baseline.inputs().stream().map(ColumnBaseline::name)
        .toList());
    assertEquals(List.of("signed_up"), baseline.unmonitored(), "timestamps are not measured");
    ColumnBaseline amount = baseline.input("amount").orElseThrow();
    assertEquals(9, amount.buckets().binEdges().size(), "10 bins between deciles");
    assertTrue(amount.buckets().edges().size() > 90, "fine buckets at every percentile: " + amount.buckets());
    double[] shares = amount.counts().binShares(amount.buckets());
    for (double share : shares) {
      assertEquals(0.1, share, 0.01, "deciles hold a tenth each: " + java.util.Arrays.toString(shares));
    }
    ColumnBaseline age = baseline.input("age").orElseThrow();
    assertEquals(200, age.counts().missing());
    assertEquals(List.of("basic", "pro", "premium"), baseline.input("plan").orElseThrow().buckets().values());
    assertEquals(List.of("false", "true"), baseline.input("promo").orElseThrow().buckets().values());
    assertEquals(List.of("0.0", "1.0"), baseline.prediction().buckets().values().stream().sorted().toList());
    assertTrue(baseline.probability().isPresent());
  }

  @Test
  void recentRowsFromTheSameDistributionCrossNothing(SparkSession spark) {
    DriftAnalysis drift = analyse(spark, "same", rows(spark, 3_000, 9, TRAINING_COLUMNS));
    assertEquals(Map.of(DAY, 3_000L), drift.rowsByDay());
    for (ColumnDrift column : drift.inputs()) {
      assertTrue(column.psi() < 0.05, column.name() + " psi " + column.psi());
      assertTrue(Double.isNaN(column.ks()) || column.ks() < 0.06, column.name() + " ks " + column.ks());
      assertEquals(column.baseline().counts().missingRate(), column.recent().missingRate(), 0.01);
    }
    assertTrue(drift.prediction().psi() < 0.05, "prediction psi " + drift.prediction().psi());
    assertTrue(drift.probability().orElseThrow().ks() < 0.06);
  }

  @Test
  void aShiftedNumericColumnCrossesPsiAndKsAndNothingElseDoes(SparkSession spark) {
    DriftAnalysis drift = analyse(spark, "shifted", rows(spark, 3_000, 9,
        TRAINING_COLUMNS.replace("50 + 10 * randn(SEED)", "65 + 10 * randn(SEED)")));
    ColumnDrift amount = column(drift, "amount");
    assertTrue(amount.psi() > 0.5, "psi " + amount.psi());
    // Shifting a normal by 1.5 sd moves its distribution function by 2·Φ(0.75) − 1 = 0.547 at most.
    assertEquals(0.547, amount.ks(), 0.05);
    for (String other : List.of("plan", "age", "promo")) {
      assertTrue(column(drift, other).psi() < 0.05, other + " " + column(drift, other).psi());
    }
    assertTrue(drift.probability().orElseThrow().ks() > 0.2, "the probability follows the amount");
  }

  @Test
  void aNewCategoryCrossesTheCategoricalPsiAndIsNamed(SparkSession spark) {
    DriftAnalysis drift = analyse(spark, "new-plan", rows(spark, 3_000, 9, TRAINING_COLUMNS.replace(
        "else 'premium' end", "when id % 10 = 8 then 'premium' else 'platinum' end")));
    ColumnDrift plan = column(drift, "plan");
    // premium 0.2 → 0.1 and "other" 0 (1e-4) → 0.1: (0.1 − 0.2)·ln(0.5) + (0.1 − 1e-4)·ln(0.1 / 1e-4) = 0.759
    assertEquals(0.759, plan.psi(), 0.02);
    assertEquals(Map.of("platinum", 300L), plan.recent().unseen());
    assertTrue(Double.isNaN(plan.ks()), "no KS of categories");
  }

  @Test
  void aJumpInMissingValuesIsMeasured(SparkSession spark) {
    DriftAnalysis drift = analyse(spark, "nulls", rows(spark, 3_000, 9, TRAINING_COLUMNS.replace(
        "id % 20 = 0", "id % 5 = 0")));
    ColumnDrift age = column(drift, "age");
    assertEquals(0.05, age.baseline().counts().missingRate(), 1e-9);
    assertEquals(0.2, age.recent().missingRate(), 1e-9);
  }

  @Test
  void psiOfATinyTableIsWorkedOutByHand(SparkSession spark) {
    // Training: x = 1..10, bins = 2 → the median 5 is the one bin edge: (-inf, 5] holds 5, (5, inf) holds 5.
    Dataset<Row> training = spark.range(1, 11).selectExpr("cast(id as double) as x", "cast(id % 2 as string) as c");
    DriftBaseline tiny = DriftBaseline.compute(training, inputFields(training), Set.of(),
        training.selectExpr("0D as prediction"), "regression", new DriftBaseline.Options(2, 50));
    ColumnBaseline x = tiny.inputs().get(0);
    assertEquals(List.of(5.0), x.buckets().binEdges());
    // Recent: 1, 2, 8, 9, 10, 11, 12, 14 → 2 of 8 at or below 5, 6 above.
    Dataset<Row> recent = spark.createDataFrame(List.of(1, 2, 8, 9, 10, 11, 12, 14).stream()
        .map(v -> org.apache.spark.sql.RowFactory.create((double) v, v % 2 == 0 ? "0" : "1")).toList(),
        training.schema());
    DriftAnalysis drift = analyse(spark, "tiny", tiny, recent.selectExpr("*", "0D as prediction"));
    double expected = (0.25 - 0.5) * Math.log(0.25 / 0.5) + (0.75 - 0.5) * Math.log(0.75 / 0.5);
    assertEquals(expected, drift.inputs().get(0).psi(), 1e-12);
    // KS at the edges 1, 2, ..., 10: largest at 7, where the training CDF is 0.7 and the recent one 2/8.
    assertEquals(0.45, drift.inputs().get(0).ks(), 1e-12);
    // The categorical column (the value mod 2): "0" and "1" half each in training, 5/8 and 3/8 recent.
    double categorical = (0.625 - 0.5) * Math.log(0.625 / 0.5) + (0.375 - 0.5) * Math.log(0.375 / 0.5);
    assertEquals(categorical, drift.inputs().get(1).psi(), 1e-12);
  }

  @Test
  void theNumberOfSparkJobsDoesNotGrowWithTheColumns(SparkSession spark) throws Exception {
    int[] narrow = jobsToMeasure(spark, "narrow", 2, 1);
    int[] wide = jobsToMeasure(spark, "wide", 12, 4);
    assertEquals(narrow[0], wide[0], "baseline jobs for 3 and for 16 columns");
    assertEquals(narrow[1], wide[1], "drift jobs for 3 and for 16 columns");
    assertTrue(wide[0] <= 8 && wide[1] <= 6, "a small constant: " + wide[0] + ", " + wide[1]);
  }

  /** The Spark jobs of recording a baseline and of measuring drift against it, with so many columns. */
  private int[] jobsToMeasure(SparkSession spark, String name, int numeric, int strings) throws Exception {
    List<String> columns = new ArrayList<>();
    for (int i = 0; i < numeric; i++) {
      columns.add("(id * " + (i + 1) + ") % 17 + 0.5D as n" + i);
    }
    for (int i = 0; i < strings; i++) {
      columns.add("concat('v', (id * " + (i + 3) + ") % 7) as s" + i);
    }
    columns.add("50 + id % 20 as amount");
    Dataset<Row> rows = withOutputs(spark.range(300).selectExpr(columns.toArray(String[]::new)), true);
    Dataset<Row> heldOut = rows.select("prediction", "probability");
    Dataset<Row> inputs = rows.drop("prediction", "probability");
    DriftBaseline[] recorded = new DriftBaseline[1];
    int baselineJobs = SparkJobs.count(spark, () -> recorded[0] = DriftBaseline.compute(inputs, inputFields(inputs), Set.of(),
        heldOut, "binary", new DriftBaseline.Options(10, 50)));
    RecentData recent = scored(spark, name, recorded[0], withOutputs(inputs, false));
    return new int[] {baselineJobs, SparkJobs.count(spark, () -> DriftAnalysis.of(recorded[0], recent))};
  }

  @Test
  void aBaselineRoundTripsThroughItsFile(SparkSession spark) {
    String location = DriftBaseline.location("file:" + dir.resolve("run-1/model"));
    assertEquals("file:" + dir.resolve("run-1/baseline.json"), location);
    baseline.save(location, spark.sparkContext().hadoopConfiguration());
    var version = new dev.kiln.registry.ModelVersion("churn", 3, "run-1", java.time.Instant.now(),
        "file:" + dir.resolve("run-1/model"), Map.of(), Map.of(), null, Map.of(), "", "", "{}", Map.of());
    assertEquals(baseline, DriftBaseline.load(version, spark.sparkContext().hadoopConfiguration()));

    var older = new dev.kiln.registry.ModelVersion("churn", 2, "run-0", java.time.Instant.now(),
        "file:" + dir.resolve("run-0/model"), Map.of(), Map.of(), null, Map.of(), "", "", "{}", Map.of());
    InvalidInputException missing = assertThrows(InvalidInputException.class,
        () -> DriftBaseline.load(older, spark.sparkContext().hadoopConfiguration()));
    assertTrue(missing.getMessage().startsWith("model churn@2 has no drift baseline (file:" + dir
        + "/run-0/baseline.json): it was registered before"), missing.getMessage());
    assertTrue(missing.getMessage().contains("retrain it"), missing.getMessage());
  }

  // ------------------------------------------------------------------------------------------ helpers

  static Dataset<Row> rows(SparkSession spark, long n, long seed, String columns) {
    return spark.range(n).repartition(2).selectExpr(columns.replace("SEED", String.valueOf(seed)).split(",\n"));
  }

  /** Held-out predictions of a model that says 1 above an amount of 50, as a pipeline gives them (a vector). */
  static Dataset<Row> heldOut(SparkSession spark, long n, long seed) {
    return withOutputs(rows(spark, n, seed, "50 + 10 * randn(SEED) as amount"), true)
        .select("prediction", "probability");
  }

  /** {@code rows} with that model's prediction and class probabilities (a vector, or an array as tables hold them). */
  static Dataset<Row> withOutputs(Dataset<Row> rows, boolean vector) {
    Dataset<Row> scored = rows.selectExpr("*", "cast(amount > 50 as double) as prediction",
        "array(1 - 1 / (1 + exp(-(amount - 50) / 10)), 1 / (1 + exp(-(amount - 50) / 10))) as probability");
    return vector ? scored.withColumn("probability",
        org.apache.spark.ml.functions.array_to_vector(scored.col("probability"))) : scored;
  }

  static List<StructField> inputFields(Dataset<Row> training) {
    return java.util.Arrays.stream(training.schema().fields()).filter(f -> !f.name().equals("id")).toList();
  }

  /** {@code recent} with the model's outputs, against the class's baseline. */
  private DriftAnalysis analyse(SparkSession spark, String name, Dataset<Row> recent) {
    return DriftAnalysis.of(baseline, scored(spark, name, baseline, withOutputs(recent, false)));
  }

  /** {@code scored}, which has its outputs, against {@code against}. */
  private DriftAnalysis analyse(SparkSession spark, String name, DriftBaseline against, Dataset<Row> scored) {
    return DriftAnalysis.of(against, scored(spark, name, against, scored));
  }

  /**
   * {@code outputs} written as a scored table (Parquet) of churn@3 on {@link #DAY}; in the "same" case with rows
   * of another version and another day beside them, which are not read.
   */
  private RecentData scored(SparkSession spark, String name, DriftBaseline against, Dataset<Row> outputs) {
    Dataset<Row> scored = outputs.selectExpr("*", "'churn' as model", "3L as model_version",
        "DATE'" + DAY + "' as run_date");
    if (name.equals("same")) {
      scored = scored.unionByName(scored.where("id < 7").withColumn("model_version", functions.lit(2L)))
          .unionByName(scored.where("id < 5").withColumn("run_date", functions.lit(DAY.minusDays(1))));
    }
    String table = "file:" + dir.resolve("scored-" + name);
    scored.write().partitionBy("run_date").parquet(table);
    return RecentData.scoredTable(spark, table, "churn", 3, against.inputs(), DateWindow.ending(DAY, 1),
        Optional.empty());
  }

  private static ColumnDrift column(DriftAnalysis drift, String name) {
    return drift.inputs().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
  }
}
