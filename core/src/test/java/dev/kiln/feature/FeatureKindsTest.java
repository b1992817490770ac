package dev.kiln.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig.CanonicalizeConfig;
import dev.kiln.config.PipelineConfig.FeatureConfig;
import dev.kiln.config.PipelineConfig.ModelConfig;
import dev.kiln.config.PipelineConfigParser;
import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import dev.kiln.train.ModelTrainer;
import dev.kiln.train.Task;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.RobustScalerModel;
import org.apache.spark.ml.feature.StandardScalerModel;
import org.apache.spark.ml.feature.UnivariateFeatureSelector;
import org.apache.spark.ml.feature.UnivariateFeatureSelectorModel;
import org.apache.spark.ml.feature.VarianceThresholdSelectorModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every declarative feature kind, from config text through {@link FeatureStages#compile} to a fitted pipeline: each
 * test checks what was learnt on the training rows and how it is applied to other rows.
 */
@UsesSpark
class FeatureKindsTest {

  private static final double EPS = 1e-9;

  @TempDir
  Path dir;

  @Test
  void standardScalingLearnsTheTrainingMeanAndDeviation(SparkSession spark) {
    PipelineModel model = fit(features("numeric = [x, z], scale = standard"),
        spark.sql("SELECT * FROM VALUES (1.0D, 10.0D, 0), (2.0D, 20.0D, 1), (3.0D, 30.0D, 0), (4.0D, 40.0D, 1), "
            + "(5.0D, 50.0D, 0) AS t(x, z, y)"));
    StandardScalerModel scaler = stage(model, StandardScalerModel.class);
    assertArrayEquals(new double[] {3, 30}, scaler.mean().toArray(), EPS);
    List<Double> scaled = column(model.transform(train(spark)), FeatureStages.FEATURES, 0);
    double mean = scaled.stream().mapToDouble(d -> d).average().orElseThrow();
    double variance = scaled.stream().mapToDouble(d -> (d - mean) * (d - mean)).sum() / (scaled.size() - 1);
    assertEquals(0.0, mean, EPS, "mean 0 on the training rows");
    assertEquals(1.0, variance, EPS, "sample deviation 1 on the training rows");
    // Other rows get the training statistics, not their own.
    Dataset<Row> other = spark.sql("SELECT 8.0D AS x, 30.0D AS z, 0 AS y");
    assertEquals(5 / Math.sqrt(2.5), column(model.transform(other), FeatureStages.FEATURES, 0).get(0), EPS);
  }

  @Test
  void minMaxScalingMapsTheTrainingRangeToZeroOne(SparkSession spark) {
    PipelineModel model = fit(features("numeric = [x], scale = min-max"),
        spark.sql("SELECT CAST(id AS DOUBLE) AS x, 0 AS y FROM range(0, 11)"));
    Dataset<Row> other = spark.sql("SELECT * FROM VALUES (5.0D, 0), (20.0D, 0), (-10.0D, 0) AS t(x, y)");
    assertEquals(List.of(0.5, 2.0, -1.0), column(model.transform(other), FeatureStages.FEATURES, 0));
  }

  @Test
  void robustScalingUsesTheMedianAndInterquartileRange(SparkSession spark) {
    PipelineModel model = fit(features("numeric = [x], scale = robust"),
        spark.sql("SELECT * FROM VALUES (1.0D, 0), (2.0D, 0), (3.0D, 1), (4.0D, 1), (100.0D, 0) AS t(x, y)"));
    RobustScalerModel scaler = stage(model, RobustScalerModel.class);
    assertEquals(3.0, scaler.median().apply(0), EPS, "the median, untouched by the outlier");
    assertEquals(2.0, scaler.range().apply(0), EPS, "Q3 - Q1 = 4 - 2");
    Dataset<Row> other = spark.sql("SELECT * FROM VALUES (3.0D, 0), (5.0D, 0), (100.0D, 0) AS t(x, y)");
    assertEquals(List.of(0.0, 1.0, 48.5), column(model.transform(other), FeatureStages.FEATURES, 0));
  }

  @Test
  void logTakesLog1pBeforeImputationAndMissesWhatHasNoLogarithm(SparkSession spark) {
    PipelineModel model = fit(features("numeric = [amount], log = [amount], impute = median"),
        spark.sql("SELECT * FROM VALUES (0.0D, 0), (" + (Math.E - 1) + "D, 1), (99.0D, 0), (-1.0D, 1), "
            + "(CAST(NULL AS DOUBLE), 0) AS t(amount, y)"));
    Dataset<Row> out = model.transform(spark.sql("SELECT * FROM VALUES (0.0D, 0), (" + (Math.E - 1) + "D, 1), "
        + "(99.0D, 0), (-1.0D, 1), (CAST(NULL AS DOUBLE), 0) AS t(amount, y)"));
    List<Row> rows = out.select("amount", "amount__log", "amount__imputed").collectAsList();
    assertEquals(0.0, rows.get(0).getDouble(1), EPS);
    assertEquals(1.0, rows.get(1).getDouble(1), EPS);
    assertEquals(Math.log(100), rows.get(2).getDouble(1), EPS);
    assertTrue(rows.get(3).isNullAt(1), "-1 has no logarithm: missing");
    assertEquals(1.0, rows.get(3).getDouble(2), EPS, "imputed with the median of the logs (0, 1, ln 100)");
    assertEquals(1.0, rows.get(4).getDouble(2), EPS);
    for (Row row : rows) {
      Double expected = LogTransform.log1p(row.isNullAt(0) ? null : row.getDouble(0));
      assertEquals(expected, row.isNullAt(1) ? null : row.getDouble(1), "the Spark-free log1p agrees: " + row);
    }
  }

  @Test
  void bucketizeGivesTheBucketOfTheImputedValueOneHotEncoded(SparkSession spark) {
    PipelineModel model = fit(features("bucketize { age = [18, 65] }"),
        spark.sql("SELECT * FROM VALUES (10.0D, 0), (18.0D, 1), (30.0D, 0), (65.0D, 1), (70.0D, 0), "
            + "(CAST(NULL AS DOUBLE), 1) AS t(age, y)"));
    Dataset<Row> out = model.transform(spark.sql("SELECT * FROM VALUES (10.0D, 0), (18.0D, 1), (30.0D, 0), "
        + "(65.0D, 1), (70.0D, 0), (CAST(NULL AS DOUBLE), 1), (-1000.0D, 0), (1000.0D, 0) AS t(age, y)"));
    assertEquals(List.of(0.0, 1.0, 1.0, 2.0, 2.0, 1.0, 0.0, 2.0), doubles(out, "age__bucket"),
        "[-inf, 18), [18, 65), [65, inf]; missing is imputed (median 30); no value falls outside");
    Vector first = out.head().getAs(FeatureStages.FEATURES);
    assertEquals(3, first.size(), "only the one-hot bucket (3 buckets, and the invalid slot dropped last)");
    assertArrayEquals(new double[] {1, 0, 0}, first.toArray());
  }

  @Test
  void quantileBinsHoldAboutEqualTrainingCounts(SparkSession spark) {
    Dataset<Row> train = spark.sql("SELECT CAST(id * id AS DOUBLE) AS x, 0 AS y FROM range(0, 200)");
    PipelineModel model = fit(features("numeric = [x], quantile-bins { x = 4 }"), train);
    Map<Double, Long> counts = model.transform(train).groupBy("x__quantile").count().collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getDouble(0), r -> r.getLong(1)));
    assertEquals(Set.of(0.0, 1.0, 2.0, 3.0), counts.keySet());
    counts.values().forEach(n -> assertTrue(n >= 45 && n <= 55, "about 50 rows a bin, skew or not: " + counts));
    Vector first = model.transform(train).head().getAs(FeatureStages.FEATURES);
    assertEquals(1 + 4, first.size(), "the value itself and its one-hot bin");
  }

  @Test
  void frequencyEncodingIsTheTrainingShareOfTheValue(SparkSession spark) {
    PipelineModel model = fit(features("numeric = [x], frequency-encoded = [city]"),
        spark.sql("SELECT * FROM VALUES ('a', 1.0D, 0), ('a', 2.0D, 1), ('a', 3.0D, 0), ('b', 4.0D, 1), "
            + "(CAST(NULL AS STRING), 5.0D, 0) AS t(city, x, y)"));
    Dataset<Row> out = model.transform(spark.sql("SELECT * FROM VALUES ('a', 1.0D, 0), ('b', 1.0D, 0), "
        + "('unseen', 1.0D, 0), (CAST(NULL AS STRING), 1.0D, 0) AS t(city, x, y)"));
    assertEquals(List.of(0.6, 0.2, 0.0, 0.0), doubles(out, "city__frequency"));
  }

  @Test
  void tfIdfWeighsARareTermAboveACommonOne(SparkSession spark) {
    Dataset<Row> train = spark.sql("SELECT * FROM VALUES ('The cat', 0), ('the dog!', 1), ('THE bird', 0), "
        + "('a fish', 1), (CAST(NULL AS STRING), 0) AS t(review, y)");
    PipelineModel model = fit(features("text { review { num-features = 256 } }"), train);
    HashingTF hashing = new HashingTF().setNumFeatures(256);
    Vector cat = model.transform(train).head().getAs("review__tfidf");
    double the = cat.apply(hashing.indexOf("the"));
    double rare = cat.apply(hashing.indexOf("cat"));
    assertEquals(Math.log(6.0 / 4), the, EPS, "'the' is in 3 of 5 rows, case folded: log((5 + 1) / (3 + 1))");
    assertEquals(Math.log(6.0 / 2), rare, EPS, "'cat' is in 1: log((5 + 1) / (1 + 1))");
    assertTrue(rare > the);
    Vector missing = model.transform(train).filter("review IS NULL").head().getAs("review__tfidf");
    assertEquals(0, missing.numNonzeros(), "a missing text has no terms");
  }

  @Test
  void datePartsOfATimestampInTheConfiguredZone(SparkSession spark) {
    PipelineModel model = fit(features("dates { at { parts = [year, month, day-of-month, weekday, hour], "
            + "days-since = \"2024-03-01\" } }"),
        spark.sql("SELECT * FROM VALUES (TIMESTAMP '2024-03-10 14:30:00 UTC', 0), "
            + "(TIMESTAMP '2023-12-31 23:59:59 UTC', 1), (CAST(NULL AS TIMESTAMP), 0) AS t(at, y)"));
    Row first = model.transform(spark.sql("SELECT TIMESTAMP '2024-03-10 14:30:00 UTC' AS at, 0 AS y"))
        .select("at__year", "at__month", "at__day_of_month", "at__weekday", "at__hour", "at__days_since").head();
    assertEquals(List.of(2024.0, 3.0, 10.0, 7.0, 14.0, 9.0), doubleValues(first),
        "a Sunday (ISO weekday 7), 14:00 in UTC, 9 days after 2024-03-01");
    Vector features = model.transform(spark.sql("SELECT CAST(NULL AS TIMESTAMP) AS at, 0 AS y")).head()
        .getAs(FeatureStages.FEATURES);
    assertEquals(2023.0, features.apply(0), EPS, "a missing date's parts are imputed (median of the training ones)");
  }

  @Test
  void aDerivedColumnIsANumericFeatureOfItsExpression(SparkSession spark) {
    FeatureConfig features = features("numeric = [income], derived { per_head = \"income / (household + 1)\" }");
    assertEquals(List.of("income", "household", "y"), features.allColumns(), "the expression's inputs, not its name");
    PipelineModel model = fit(features, spark.sql("SELECT * FROM VALUES (100.0D, 3, 0), (90.0D, 2, 1), "
        + "(60.0D, CAST(NULL AS INT), 0) AS t(income, household, y)"));
    Dataset<Row> out = model.transform(spark.sql("SELECT * FROM VALUES (100.0D, 3, 0), (60.0D, CAST(NULL AS INT), 0) "
        + "AS t(income, household, y)"));
    assertEquals(List.of(25.0, 25.0), doubles(out, "per_head__imputed"),
        "100 / 4; null imputed with the median of 25 and 30 (Spark's: the lower one)");
    Vector first = out.head().getAs(FeatureStages.FEATURES);
    assertArrayEquals(new double[] {100, 25}, first.toArray(), EPS);
  }

  @Test
  void interactionsMultiplyNumericValuesAndOneHotVectors(SparkSession spark) {
    PipelineModel model = fit(features("numeric = [a, b], categorical = [country], "
            + "interactions = [[a, b], [a, country]]"),
        spark.sql("SELECT * FROM VALUES (2.0D, 3.0D, 'us', 0), (4.0D, CAST(NULL AS DOUBLE), 'de', 1), "
            + "(5.0D, 7.0D, 'us', 0) AS t(a, b, country, y)"));
    Dataset<Row> out = model.transform(spark.sql("SELECT * FROM VALUES (2.0D, 3.0D, 'us', 0), "
        + "(4.0D, CAST(NULL AS DOUBLE), 'de', 1) AS t(a, b, country, y)"));
    List<Row> rows = out.select("a__x__b", "a__x__country").collectAsList();
    assertArrayEquals(new double[] {6}, ((Vector) rows.get(0).get(0)).toArray(), EPS);
    assertArrayEquals(new double[] {12}, ((Vector) rows.get(1).get(0)).toArray(), EPS,
        "b imputed with the median of 3 and 7 (Spark's: the lower one)");
    assertArrayEquals(new double[] {2, 0, 0}, ((Vector) rows.get(0).get(1)).toArray(), EPS,
        "a times the one-hot country: us (index 0), de, and the slot of unseen countries");
    assertArrayEquals(new double[] {0, 4, 0}, ((Vector) rows.get(1).get(1)).toArray(), EPS);
  }

  @Test
  void univariateSelectionKeepsTheInformativeColumn(SparkSession spark) {
    Dataset<Row> train = spark.sql("SELECT CAST(id % 10 AS DOUBLE) AS noise, "
        + "CAST(id AS DOUBLE) + (id % 10) / 10.0D AS signal, CASE WHEN id >= 50 THEN 1 ELSE 0 END AS y "
        + "FROM range(0, 100)");
    FeatureConfig features = features("numeric = [noise, signal], "
        + "selection { method = univariate, mode = num-top-features, threshold = 1 }");
    PipelineModel model = fit(features, train);
    assertArrayEquals(new int[] {1}, stage(model, UnivariateFeatureSelectorModel.class).selectedFeatures(),
        "signal (assembled second) separates the classes, noise does not");
    Row first = model.transform(train).filter("signal > 77 AND signal < 78").head();
    assertArrayEquals(new double[] {first.<Double>getAs("signal")},
        first.<Vector>getAs(FeatureStages.FEATURES).toArray(), EPS);
    UnivariateFeatureSelector regression = (UnivariateFeatureSelector) last(
        FeatureStages.compile(features, CanonicalizeConfig.NONE, "regression"));
    assertEquals("continuous", regression.getLabelType(), "an F-test against a real-valued label");
  }

  @Test
  void univariateSelectionTestsATextLabelByItsIndex(SparkSession spark) {
    Dataset<Row> train = spark.sql("SELECT CAST(id % 10 AS DOUBLE) AS noise, CAST(id AS DOUBLE) AS signal, "
        + "CASE WHEN id < 30 THEN 'small' WHEN id < 60 THEN 'medium' ELSE 'large' END AS size FROM range(0, 90)");
    FeatureConfig features = features("label = size, numeric = [noise, signal], "
        + "selection { method = univariate, threshold = 1 }");
    PipelineModel model = new ModelTrainer(features, new ModelConfig("m", "multiclass", "logistic-regression",
        Map.of("maxIter", "20")), CanonicalizeConfig.NONE, Task.MULTICLASS).fit(train);
    UnivariateFeatureSelectorModel selector = stage(model, UnivariateFeatureSelectorModel.class);
    assertEquals("size__index", selector.getLabelCol(), "the label the estimator trains on");
    assertArrayEquals(new int[] {1}, selector.selectedFeatures());
  }

  @Test
  void varianceThresholdDropsAConstantColumn(SparkSession spark) {
    PipelineModel model = fit(features("numeric = [constant, x], selection.method = variance"),
        spark.sql("SELECT 7.0D AS constant, CAST(id AS DOUBLE) AS x, 0 AS y FROM range(0, 10)"));
    assertArrayEquals(new int[] {1}, stage(model, VarianceThresholdSelectorModel.class).selectedFeatures());
    Vector first = model.transform(spark.sql("SELECT 7.0D AS constant, 3.0D AS x, 0 AS y")).head()
        .getAs(FeatureStages.FEATURES);
    assertArrayEquals(new double[] {3}, first.toArray(), EPS);
  }

  @Test
  void aPipelineOfEveryKindGivesTheSameOutputAfterSaveAndLoad(SparkSession spark, DataFrameAssertions frames)
      throws Exception {
    FeatureConfig features = features("""
        numeric = [income, age]
        categorical = [country]
        missing-indicators = true
        outliers { method = iqr, action = clip }
        scale = standard
        log = [income, per_head]
        bucketize { age = [-inf, 30, 60, inf] }
        quantile-bins { income = 3 }
        frequency-encoded = [city]
        text { review { num-features = 32 } }
        dates { signup { parts = [year, month, weekday], days-since = "2020-01-01", time-zone = "Europe/Paris" } }
        derived { per_head = "income / (household + 1)" }
        interactions = [[age, per_head], [age, country]]
        selection { method = variance, threshold = 0.0 }
        """);
    Dataset<Row> train = spark.sql("SELECT CAST(id * 10 AS DOUBLE) AS income, CAST(20 + id % 50 AS DOUBLE) AS age, "
        + "CASE WHEN id % 3 = 0 THEN 'us' WHEN id % 3 = 1 THEN 'de' ELSE NULL END AS country, "
        + "CAST(id % 4 AS INT) AS household, CONCAT('c', CAST(id % 5 AS STRING)) AS city, "
        + "CASE WHEN id % 7 = 0 THEN NULL ELSE CONCAT('great product ', CAST(id % 3 AS STRING)) END AS review, "
        + "TIMESTAMP '2021-06-01 00:00:00 UTC' + make_interval(0, 0, 0, CAST(id AS INT), CAST(id % 24 AS INT)) "
        + "AS signup, CAST(id % 2 AS INT) AS y FROM range(0, 60)");
    List<PipelineStage> stages = FeatureStages.compile(features, CanonicalizeConfig.NONE, "binary");
    PipelineModel model = new Pipeline().setStages(stages.toArray(PipelineStage[]::new)).fit(train);
    String saved = dir.resolve("every-kind").toString();
    model.write().save(saved);
    PipelineModel loaded = PipelineModel.load(saved);
    frames.assertEquals(model.transform(train), loaded.transform(train));
    Set<String> types = Arrays.stream(loaded.stages()).map(s -> s.getClass().getSimpleName())
        .collect(Collectors.toSet());
    assertEquals(Set.of("SQLTransformer", "DateParts", "LogTransform", "OutlierBoundsModel", "GroupedImputerModel",
        "VectorAssembler", "StandardScalerModel", "Bucketizer", "StringIndexerModel", "OneHotEncoderModel",
        "FrequencyEncoderModel", "RegexTokenizer", "HashingTF", "IDFModel", "Interaction",
        "VarianceThresholdSelectorModel"), types, "QuantileDiscretizer's model is a Bucketizer");
    assertEquals(List.of("income", "age", "country", "city", "review", "signup", "household", "y"),
        features.allColumns());
    // The model reads the selected features as it reads any others.
    PipelineModel trained = new ModelTrainer(features, new ModelConfig("m", "logistic-regression",
        Map.of("maxIter", "5"))).fit(train);
    assertEquals(60, trained.transform(train).select("prediction").count());
  }

  /** The features of a config whose {@code features} section holds {@code settings} (label y). */
  static FeatureConfig features(String settings) {
    String text = "pipeline.name = t\nsource { format = parquet, path = \"/nowhere\" }\n"
        + "features {\nlabel = y\n" + settings + "\n}\n";
    PipelineConfigParser.Result parsed = PipelineConfigParser.parse(
        ConfigLayers.loadRecorded(text, "test", Map.of(), List.of()));
    assertTrue(parsed.ok(), parsed.problems().toString());
    return parsed.config().features();
  }

  private static PipelineModel fit(FeatureConfig features, Dataset<Row> train) {
    return new Pipeline().setStages(FeatureStages.compile(features).toArray(PipelineStage[]::new)).fit(train);
  }

  private static Dataset<Row> train(SparkSession spark) {
    return spark.sql("SELECT * FROM VALUES (1.0D, 10.0D, 0), (2.0D, 20.0D, 1), (3.0D, 30.0D, 0), (4.0D, 40.0D, 1), "
        + "(5.0D, 50.0D, 0) AS t(x, z, y)");
  }

  private static <T extends Transformer> T stage(PipelineModel model, Class<T> type) {
    return Arrays.stream(model.stages()).filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
  }

  private static PipelineStage last(List<PipelineStage> stages) {
    return stages.get(stages.size() - 1);
  }

  /** Element {@code index} of the vector column {@code column}, row by row. */
  private static List<Double> column(Dataset<Row> rows, String column, int index) {
    return rows.select(column).collectAsList().stream().map(r -> ((Vector) r.get(0)).apply(index)).toList();
  }

  private static List<Double> doubles(Dataset<Row> rows, String column) {
    return rows.select(column).collectAsList().stream().map(r -> r.isNullAt(0) ? null : r.getDouble(0)).toList();
  }

  private static List<Double> doubleValues(Row row) {
    return java.util.stream.IntStream.range(0, row.length()).mapToObj(row::getDouble).toList();
  }
}
