package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.PipelineConfig;
import dev.kiln.config.PipelineConfig.FeatureConfig;
import dev.kiln.config.PipelineConfig.OutlierConfig;
import dev.kiln.config.PipelineConfig.SelectionConfig;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code features.categorical-encoding = native}: a category's index enters the vector as one slot that tree models
 * split on as a set of values. The rows make it matter: 40 equally common sites, each adding its own offset (in no
 * order of its index or frequency), so a frequency encoding carries nothing and a single split on the index little.
 */
@UsesSpark
class NativeCategoricalTest {

  @TempDir
  Path dir;

  private static Dataset<Row> sites(SparkSession spark, long seed) {
    return spark.range(4000).selectExpr(
            "concat('s', pmod(id, 40)) as site",
            "(pmod(hash(id, 21 + " + seed + "), 20000) / 10000.0) - 1.0 as x1",
            "(pmod(hash(id, 22 + " + seed + "), 20000) / 10000.0) - 1.0 as noise")
        .selectExpr("site", "x1", "pmod(hash(site, 5), 100) / 10.0 + x1 + 0.1 * noise as y")
        .repartition(2).cache();
  }

  private static FeatureConfig features(List<String> categorical, List<String> frequency, String encoding) {
    return new FeatureConfig("y", List.of("x1"), categorical, "mean", List.of(), false, OutlierConfig.NONE, "keep",
        "__missing__", 1.0, "none", List.of(), Map.of(), Map.of(), frequency, Map.of(), Map.of(), Map.of(),
        List.of(), SelectionConfig.NONE, encoding);
  }

  private static ModelTrainer trainer(FeatureConfig features, String algorithm, Map<String, String> params) {
    return new ModelTrainer(features, Learning.model(algorithm, Task.REGRESSION, params),
        PipelineConfig.CanonicalizeConfig.NONE, Task.REGRESSION);
  }

  private static double r2(PipelineModel model, Dataset<Row> test) {
    return Learning.metrics(model, test, Task.REGRESSION).get("r2");
  }

  /**
   * Fits {@code algorithm} on the sites as categories and as frequencies: the first must learn the offsets, the second
   * nothing; the site must carry the importance, and the saved model predict as the fitted one.
   *
   * @return the trainer of the native fit, for its effective params
   */
  private ModelTrainer learnsSetsOfSites(String algorithm, Map<String, String> params, SparkSession spark,
      DataFrameAssertions frames) throws Exception {
    Dataset<Row> train = sites(spark, 0);
    Dataset<Row> test = sites(spark, 100);
    ModelTrainer native_ = trainer(features(List.of("site"), List.of(), FeatureConfig.NATIVE), algorithm, params);
    PipelineModel model = native_.fit(train);
    double nativeR2 = r2(model, test);
    ModelTrainer frequency = trainer(features(List.of(), List.of("site"), FeatureConfig.ONE_HOT), algorithm,
        params);
    double frequencyR2 = r2(frequency.fit(train), test);
    assertTrue(nativeR2 > 0.97, algorithm + " native R² " + nativeR2);
    assertTrue(frequencyR2 < 0.2, "equally common sites share one frequency: R² " + frequencyR2);
    // XGBoost scores each set of sites split on as its own entry; they add up to the site's importance.
    List<FeatureImportances.Entry> importances = FeatureImportances.of(model, test);
    assertEquals(List.of("site", "x1"), importances.stream().map(FeatureImportances.Entry::feature).toList());
    assertTrue(importances.get(0).value() > 0.9, importances.toString());
    assertEquals(1.0, importances.stream().mapToDouble(FeatureImportances.Entry::value).sum(), 1e-9);

    String path = dir.resolve(algorithm).toString();
    model.write().save(path);
    frames.assertEqualsIgnoringOrder(model.transform(test).select("site", "x1", "prediction"),
        PipelineModel.load(path).transform(test).select("site", "x1", "prediction"));
    return native_;
  }

  @Test
  void xgboostSplitsOnSetsOfSitesWhereAFrequencyEncodingLearnsNothing(SparkSession spark,
      DataFrameAssertions frames) throws Exception {
    ModelTrainer trainer = learnsSetsOfSites("xgboost", Map.of("numRound", "60", "max_depth", "4", "eta", "0.3"),
        spark, frames);
    assertEquals("q,c", trainer.effectiveParams().get("feature_types"), "x1 a number, the site a category");
  }

  @Test
  void lightgbmSplitsOnSetsOfSitesOnAllTheCores(SparkSession spark, DataFrameAssertions frames) throws Exception {
    // Sets of up to 40 sites per split (LightGBM's default stops at 32) and few rows per leaf: 100 rows per site.
    ModelTrainer trainer = learnsSetsOfSites("lightgbm", Map.of("numIterations", "60", "numLeaves", "16",
        "learningRate", "0.3", "maxCatThreshold", "64", "minDataPerGroup", "10", "catSmooth", "1"), spark, frames);
    Map<String, String> effective = trainer.effectiveParams();
    assertEquals("1", effective.get("lightgbm.categorical_feature"), "x1 a number, the site a category");
    assertEquals(String.valueOf(spark.sparkContext().defaultParallelism()), effective.get("lightgbm.num_threads"),
        "one native dataset trained by every core of the (local) executor");
  }

  @Test
  void mllibTreesGetMaxBinsForEverySiteUnlessAConfiguredValueIsTooSmall(SparkSession spark) {
    Dataset<Row> train = sites(spark, 0);
    ModelTrainer gbt = trainer(features(List.of("site"), List.of(), FeatureConfig.NATIVE), "gbt",
        Map.of("maxIter", "30", "maxDepth", "3"));
    double r2 = r2(gbt.fit(train), sites(spark, 100));
    assertEquals("41", gbt.effectiveParams().get("maxBins"), "40 sites and the indexer's slot for unseen ones");
    assertTrue(r2 > 0.95, "R² " + r2);

    InvalidConfigException narrow = assertThrows(InvalidConfigException.class,
        () -> trainer(features(List.of("site"), List.of(), FeatureConfig.NATIVE), "random-forest",
            Map.of("maxBins", "16")).fit(train));
    assertTrue(narrow.getMessage().contains("model.params.maxBins") && narrow.getMessage().contains(
        "16 is below the 41 values of the categorical feature 'site'"), narrow.getMessage());
  }

  @Test
  void aLinearModelIsToldToUseOneHot(SparkSession spark) {
    InvalidConfigException linear = assertThrows(InvalidConfigException.class,
        () -> trainer(features(List.of("site"), List.of(), FeatureConfig.NATIVE), "linear-regression", Map.of())
            .fit(sites(spark, 0)));
    assertTrue(linear.getMessage().contains("features.categorical-encoding")
        && linear.getMessage().contains("linear-regression would read a category's index as a number"),
        linear.getMessage());
  }
}
