package dev.kiln.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.errors.InvalidInputException;
import dev.kiln.profile.Profile.Association;
import dev.kiln.profile.Profile.Bin;
import dev.kiln.profile.Profile.ColumnProfile;
import dev.kiln.profile.Profile.ValueCount;
import dev.kiln.testing.SparkJobs;
import dev.kiln.testing.UsesSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The profiler on a small messy table, where every exact statistic can be worked out by hand. */
@UsesSpark
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkProfilerTest {

  static final int ROWS = 40;
  static final String SCRIPT = "<script>alert(1)</script>";

  private Dataset<Row> messy;
  private Profile profile;

  /**
   * Rows 0..39: {@code amount} is 1.5 * id, null on ids ending in 0, NaN on ids ending in 5 and +infinity on 7;
   * {@code city} cycles Oslo, Lima, a script tag, null; {@code label} is id % 2.
   */
  static Dataset<Row> messy(SparkSession spark) {
    return spark.range(ROWS).selectExpr(
        "id",
        "case when id % 10 = 0 then null when id % 10 = 5 then double('NaN') when id = 7 then double('Infinity') "
            + "else id * 1.5D end as amount",
        "7 as constant",
        "concat('c', id) as code",
        "case id % 4 when 0 then 'Oslo' when 1 then 'Lima' when 2 then '" + SCRIPT + "' end as city",
        "cast(null as double) as nothing",
        "date_add(date'2024-01-01', cast(id as int)) as seen",
        "double(id) as x",
        "2 * id + 1D as x2",
        "pow(id - 20, 3) as cube",
        "-id as neg",
        "cast(id % 2 as int) as label");
  }

  @BeforeAll
  void profileTheMessyTable(SparkSession spark) {
    messy = messy(spark);
    profile = new SparkProfiler().profile(messy, Optional.of("label"));
  }

  private ColumnProfile column(String name) {
    return profile.column(name).orElseThrow();
  }

  /** The finite amounts, as the table defines them. */
  private static List<Double> amounts() {
    return IntStream.range(0, ROWS).filter(id -> id % 10 != 0 && id % 10 != 5 && id != 7)
        .mapToObj(id -> id * 1.5).toList();
  }

  @Test
  void numericColumnsHaveExactCountsBoundsAndMeanAndApproximateQuantiles() {
    assertEquals(ROWS, profile.rows());
    ColumnProfile amount = column("amount");
    List<Double> finite = amounts();
    assertEquals(ColumnKind.NUMERIC, amount.kind());
    assertEquals("double", amount.dataType());
    assertEquals(4, amount.nulls());
    assertEquals(ROWS - 4, amount.count());
    assertEquals(5, amount.nonFinite(), "four NaN and one +infinity");
    var stats = amount.numeric().orElseThrow();
    assertEquals(1.5, stats.min());
    assertEquals(58.5, stats.max());
    double mean = finite.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    assertEquals(mean, stats.mean(), 1e-12);
    double variance = finite.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / (finite.size() - 1);
    assertEquals(Math.sqrt(variance), stats.stddev(), 1e-9);
    // percentile_approx returns one of the values, within one rank at this accuracy: 3.0 is the widest gap.
    assertEquals(finite.get(finite.size() / 2), stats.quantile(0.5).orElseThrow(), 3.0);
    assertEquals(finite.get((int) (0.95 * finite.size())), stats.quantile(0.95).orElseThrow(), 3.0);
    assertEquals(5, stats.quantiles().size());
    // HyperLogLog++ is within 5% (relative standard deviation) on distinct values; NaN and infinity count.
    assertEquals(finite.size() + 2, amount.approxDistinct(), 0.1 * (finite.size() + 2));
  }

  @Test
  void theHistogramCountsEveryFiniteValueInEqualWidthBins() {
    ColumnProfile amount = column("amount");
    List<Bin> bins = amount.histogram();
    assertEquals(20, bins.size());
    assertEquals(1.5, bins.get(0).low());
    assertEquals(58.5, bins.get(19).high());
    double width = (58.5 - 1.5) / 20;
    long[] expected = new long[20];
    for (double v : amounts()) {
      expected[(int) Math.min(Math.floor((v - 1.5) / width), 19)]++;
    }
    assertEquals(amounts().size(), bins.stream().mapToLong(Bin::count).sum());
    for (int i = 0; i < 20; i++) {
      assertEquals(expected[i], bins.get(i).count(), "bin " + i);
      assertEquals(1.5 + i * width, bins.get(i).low(), 1e-12);
    }
  }

  @Test
  void constantAllNullAndTemporalColumns() {
    ColumnProfile constant = column("constant");
    assertEquals(7.0, constant.numeric().orElseThrow().min());
    assertEquals(7.0, constant.numeric().orElseThrow().max());
    assertEquals(0.0, constant.numeric().orElseThrow().stddev());
    assertEquals(List.of(new Bin(7.0, 7.0, ROWS)), constant.histogram(), "a constant column has one bin");
    assertEquals(1, constant.approxDistinct());

    ColumnProfile nothing = column("nothing");
    assertEquals(0, nothing.count());
    assertEquals(ROWS, nothing.nulls());
    assertEquals(0, nothing.approxDistinct());
    assertTrue(nothing.numeric().isEmpty() && nothing.histogram().isEmpty(), nothing.toString());
    assertEquals(1.0, nothing.missingShare(ROWS));

    ColumnProfile seen = column("seen");
    assertEquals(ColumnKind.TEMPORAL, seen.kind());
    assertEquals(new Profile.ValueRange("2024-01-01", "2024-02-09"), seen.range().orElseThrow());
  }

  @Test
  void categoricalColumnsHaveTopValuesAndLengths() {
    ColumnProfile city = column("city");
    assertEquals(ColumnKind.CATEGORICAL, city.kind());
    assertEquals(10, city.nulls());
    assertEquals(List.of(new ValueCount(SCRIPT, 10), new ValueCount("Lima", 10), new ValueCount("Oslo", 10)),
        city.topValues(), "ties in value order");
    assertEquals(0, city.otherValues());
    assertEquals(new Profile.LengthRange(4, SCRIPT.length()), city.lengths().orElseThrow());

    ColumnProfile code = column("code");
    assertEquals(List.of("c0", "c1", "c10", "c11", "c12", "c13", "c14", "c15", "c16", "c17"),
        code.topValues().stream().map(ValueCount::value).toList());
    assertEquals(30, code.otherValues(), "the 30 values after the top 10");
    assertEquals(ROWS, code.approxDistinct(), 0.1 * ROWS);
    assertTrue(code.approxDistinct() <= code.count(), "never more distinct values than values");
  }

  @Test
  void pearsonIsPairwiseAndSpearmanRanksCompleteRows() {
    var pearson = profile.pearson();
    assertEquals(List.of("id", "amount", "x", "x2", "cube", "neg", "label"), pearson.columns(),
        "numeric columns that vary, in table order: not the constant, not the all-null one");
    assertEquals(1.0, pearson.value("x", "x2"), 1e-12);
    assertEquals(-1.0, pearson.value("x", "neg"), 1e-12);
    assertEquals(1.0, pearson.value("amount", "x"), 1e-12, "over the rows where amount is finite");
    double cube = pearson.value("x", "cube");
    assertTrue(cube > 0.8 && cube < 0.99, "Pearson sees a cubic as not quite linear: " + cube);
    assertEquals(pearson.value("x", "cube"), pearson.value("cube", "x"));
    assertTrue(pearson.completeRows().isEmpty());

    var spearman = profile.spearman();
    assertEquals(pearson.columns(), spearman.columns());
    assertEquals(1.0, spearman.value("x", "cube"), 1e-12, "a monotone relation has rank correlation 1");
    assertEquals(-1.0, spearman.value("x", "neg"), 1e-12);
    assertEquals(Optional.of((long) amounts().size()), spearman.completeRows(), "rows where amount is finite");
  }

  @Test
  void aLargeTableIsRankedOnASeededSample(SparkSession spark) {
    // 2,000 rows, ranked on about 500: monotone relations stay exactly ±1 on any subset of the rows.
    Dataset<Row> rows = spark.range(2_000).selectExpr("double(id) as x", "pow(id - 1000, 3) as cube", "-id as neg");
    SparkProfiler.Options options = new SparkProfiler.Options(20, 10, List.of(0.5), 10_000, 20, 500);
    var spearman = new SparkProfiler(options).profile(rows, Optional.empty()).spearman();
    long ranked = spearman.completeRows().orElseThrow();
    assertTrue(ranked > 400 && ranked < 600, "about 500 of the 2,000 rows ranked: " + ranked);
    assertEquals(1.0, spearman.value("x", "cube"), 1e-12);
    assertEquals(-1.0, spearman.value("x", "neg"), 1e-12);
    assertEquals(spearman, new SparkProfiler(options).profile(rows, Optional.empty()).spearman(), "seeded");
    assertEquals(Optional.of(2_000L), new SparkProfiler().profile(rows, Optional.empty()).spearman().completeRows(),
        "below the default, every row");
  }

  @Test
  void associationsWithABinaryLabel() {
    // Numeric: point-biserial (Pearson with the 0/1 label), over all 40 rows for x.
    double meanX = (ROWS - 1) / 2.0;
    double cov = 0;
    double varX = 0;
    double varY = 0;
    for (int id = 0; id < ROWS; id++) {
      cov += (id - meanX) * (id % 2 - 0.5);
      varX += (id - meanX) * (id - meanX);
      varY += 0.25;
    }
    Association x = profile.association("x").orElseThrow();
    assertEquals(new Association("x", Association.PEARSON, cov / Math.sqrt(varX * varY), ROWS).method(),
        x.method());
    assertEquals(cov / Math.sqrt(varX * varY), x.value(), 1e-12);
    assertEquals(ROWS, x.rows());
    assertEquals(amounts().size(), profile.association("amount").orElseThrow().rows());

    // Categorical: Oslo and the script tag are always 0, Lima always 1 — a perfect association.
    Association city = profile.association("city").orElseThrow();
    assertEquals(Association.CRAMERS_V, city.method());
    assertEquals(1.0, city.value(), 1e-12);
    assertEquals(30, city.rows(), "rows with a city");
    // Codes are unique: the top ten and one "other" group make an 11 x 2 table; its V is well defined.
    Association code = profile.association("code").orElseThrow();
    assertTrue(code.value() > 0 && code.value() <= 1, code.toString());

    assertTrue(profile.association("constant").isEmpty(), "no spread, no association");
    assertTrue(profile.association("nothing").isEmpty());
    assertTrue(profile.association("seen").isEmpty(), "dates are not measured");
    assertTrue(profile.association("label").isEmpty(), "not with itself");
  }

  @Test
  void aCategoricalLabelGivesCorrelationRatiosAndAContinuousOneToo(SparkSession spark) {
    Profile byCity = new SparkProfiler().profile(messy.select("x", "label", "city"), Optional.of("city"));
    // x across Oslo (id % 4 = 0), Lima (1) and the script tag (2); rows without a city are left out.
    List<List<Double>> groups = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (int id = 0; id < ROWS; id++) {
      if (id % 4 < 3) {
        groups.get(id % 4).add((double) id);
      }
    }
    Association x = byCity.association("x").orElseThrow();
    assertEquals(Association.CORRELATION_RATIO, x.method());
    assertEquals(eta(groups), x.value(), 1e-9);
    assertEquals(30, x.rows());
    assertEquals(Association.CORRELATION_RATIO, byCity.association("label").orElseThrow().method(),
        "a numeric column against label classes, even a 0/1 one");

    // x has 40 values, more than the 20 label classes: city is measured by the correlation ratio of x across it.
    Profile byX = new SparkProfiler().profile(messy.select("x", "city"), Optional.of("x"));
    Association city = byX.association("city").orElseThrow();
    assertEquals(Association.CORRELATION_RATIO, city.method());
    assertEquals(eta(groups), city.value(), 1e-9);
  }

  /** The correlation ratio, from its definition. */
  private static double eta(List<List<Double>> groups) {
    List<Double> all = groups.stream().flatMap(List::stream).toList();
    double mean = all.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    double total = all.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
    double between = 0;
    for (List<Double> group : groups) {
      double groupMean = group.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
      between += group.size() * (groupMean - mean) * (groupMean - mean);
    }
    return Math.sqrt(between / total);
  }

  @Test
  void theNumberOfSparkJobsDoesNotGrowWithTheNumberOfColumns(SparkSession spark) throws Exception {
    int narrow = jobsToProfile(spark, table(spark, 2, 1));
    int wide = jobsToProfile(spark, table(spark, 12, 4));
    assertEquals(narrow, wide, "jobs for 3 and for 16 feature columns");
    assertTrue(wide <= 16, "a small constant: " + wide);
  }

  /** {@code numeric} double columns, {@code strings} string columns and a 0/1 label. */
  private static Dataset<Row> table(SparkSession spark, int numeric, int strings) {
    List<String> columns = new ArrayList<>();
    for (int i = 0; i < numeric; i++) {
      columns.add("(id * " + (i + 1) + ") % 17 + 0.5D as n" + i);
    }
    for (int i = 0; i < strings; i++) {
      columns.add("concat('v', (id * " + (i + 3) + ") % 7) as s" + i);
    }
    columns.add("cast(id % 2 as int) as label");
    return spark.range(200).selectExpr(columns.toArray(String[]::new));
  }

  private static int jobsToProfile(SparkSession spark, Dataset<Row> table) throws Exception {
    return SparkJobs.count(spark, () -> new SparkProfiler().profile(table, Optional.of("label")));
  }

  @Test
  void anUnknownLabelIsNamedWithTheColumnsThereAre() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> new SparkProfiler().profile(messy.select("x", "city"), Optional.of("churned")));
    assertEquals("the label column 'churned' is not in the table (its columns: x, city)", e.getMessage());
  }

  @Test
  void anEmptyTableHasAProfileToo() {
    Profile empty = new SparkProfiler().profile(messy.limit(0), Optional.of("label"));
    assertEquals(0, empty.rows());
    assertEquals(messy.columns().length, empty.columns().size());
    assertTrue(empty.columns().stream().allMatch(c -> c.count() == 0 && c.histogram().isEmpty()
        && c.numeric().isEmpty()), empty.toString());
    assertTrue(empty.pearson().columns().isEmpty() && empty.associations().isEmpty());
    assertFalse(empty.column("city").orElseThrow().lengths().isPresent());
  }
}
