package dev.kiln.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.clean.GroupedImputer;
import dev.kiln.clean.GroupedImputerModel;
import dev.kiln.clean.OutlierBounds;
import dev.kiln.config.PipelineConfig.FeatureConfig;
import dev.kiln.config.PipelineConfig.OutlierConfig;
import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feature section compiled to stages: Spark's imputer by default, Kiln's when grouping, indicators or outliers. */
@UsesSpark
class FeatureStagesTest {

  @TempDir
  Path dir;

  @Test
  void theDefaultIsSparksImputer() {
    List<PipelineStage> stages = FeatureStages.compile(new FeatureConfig("y", List.of("x"), List.of(), "median"));
    assertInstanceOf(Imputer.class, stages.get(0));
  }

  @Test
  void withoutDeclarativeKeysTheStagesAreThoseOfBefore() {
    assertEquals(List.of(
        "Imputer inputCols=[x, z] outputCols=[x__imputed, z__imputed] strategy=median",
        "StringIndexer handleInvalid=keep inputCols=[c] outputCols=[c__index] stringOrderType=frequencyDesc",
        "OneHotEncoder handleInvalid=keep inputCols=[c__index] outputCols=[c__onehot]",
        "VectorAssembler handleInvalid=keep inputCols=[x__imputed, z__imputed, c__onehot] outputCol=features"),
        described(FeatureStages.compile(new FeatureConfig("y", List.of("x", "z"), List.of("c"), "median"))));
    FeatureConfig flagged = new FeatureConfig("y", List.of("x"), List.of("c"), "mean", List.of(), true,
        new OutlierConfig("iqr", "flag", 1.5, 3.0, 0.01, 0.99), "mode", "__missing__", 1.0);
    assertEquals(List.of(
        "OutlierBounds action=flag inputCols=[x] iqrMultiplier=1.5 lowerPercentile=0.01 method=iqr "
            + "stddevMultiplier=3.0 upperPercentile=0.99",
        "GroupedImputer addIndicators=true groupByCols=[] inputCols=[x] numericStrategy=mean outputCols=[x__imputed]",
        "GroupedImputer categoricalStrategy=mode groupByCols=[] inputCols=[c] outputCols=[c__filled]",
        "StringIndexer handleInvalid=keep inputCols=[c__filled] outputCols=[c__index] stringOrderType=frequencyDesc",
        "OneHotEncoder handleInvalid=keep inputCols=[c__index] outputCols=[c__onehot]",
        "VectorAssembler handleInvalid=keep inputCols=[x_outlier, x_was_missing, x__imputed, c__onehot] "
            + "outputCol=features"), described(FeatureStages.compile(flagged)));
  }

  @Test
  void noFeatureReadsTheLabel() {
    FeatureConfig leaky = new FeatureConfig("y", List.of("x"), List.of(), "median", List.of(), false,
        OutlierConfig.NONE, "keep", "__missing__", 1.0, "none", List.of(), java.util.Map.of(), java.util.Map.of(),
        List.of(), java.util.Map.of(), java.util.Map.of(),
        java.util.Map.of("leak", dev.kiln.config.PipelineConfig.DerivedColumn.of("y * 2")), List.of(),
        dev.kiln.config.PipelineConfig.SelectionConfig.NONE, FeatureConfig.ONE_HOT);
    assertEquals("a feature reads the label 'y', which serving does not have",
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> FeatureStages.compile(leaky)).getMessage());
  }

  /** Each stage's class and the params set on it, sorted by name. */
  private static List<String> described(List<PipelineStage> stages) {
    return stages.stream().map(stage -> stage.getClass().getSimpleName() + java.util.Arrays.stream(stage.params())
        .filter(stage::isSet).map(p -> " " + p.name() + "=" + show(stage.getOrDefault(p))).sorted()
        .collect(java.util.stream.Collectors.joining())).toList();
  }

  private static String show(Object value) {
    return value instanceof Object[] array ? java.util.Arrays.toString(array) : String.valueOf(value);
  }

  @Test
  void groupedImputationIndicatorsAndClippedOutliersAreFittedAndSavedWithTheModel(SparkSession spark,
      DataFrameAssertions frames) throws Exception {
    FeatureConfig features = new FeatureConfig("y", List.of("x"), List.of("region"), "median", List.of("region"),
        true, new OutlierConfig("percentile", "clip", 1.5, 3.0, 0.1, 0.9));
    List<PipelineStage> stages = FeatureStages.compile(features);
    assertInstanceOf(OutlierBounds.class, stages.get(0));
    assertInstanceOf(GroupedImputer.class, stages.get(1));
    Dataset<Row> train = spark.sql("SELECT * FROM VALUES "
        + "('EU', 1.0D, 0.0D), ('EU', 2.0D, 1.0D), ('EU', 3.0D, 0.0D), ('EU', CAST(NULL AS DOUBLE), 1.0D), "
        + "('US', 10.0D, 0.0D), ('US', 20.0D, 1.0D), ('US', 30.0D, 0.0D), ('US', 1000.0D, 1.0D), "
        + "('US', CAST(NULL AS DOUBLE), 0.0D) AS t(region, x, y)");
    PipelineModel model = new Pipeline().setStages(stages.toArray(PipelineStage[]::new)).fit(train);
    GroupedImputerModel imputer = (GroupedImputerModel) model.stages()[1];
    assertTrue(imputer.numericFillsByGroup().toString().contains("EU"), imputer.numericFillsByGroup().toString());
    Dataset<Row> out = model.transform(train);
    assertEquals(List.of("features"), List.of(out.columns()).subList(out.columns().length - 1, out.columns().length));
    List<Row> missing = out.filter("x IS NULL").orderBy("region").select("region", "x__imputed", "x__clipped_was_missing")
        .collectAsList();
    assertEquals(1.0, missing.get(0).getDouble(2), "the indicator marks the missing value");
    assertTrue(missing.get(0).getDouble(1) <= 3.0, "EU is imputed from EU's values: " + missing.get(0));
    assertTrue(missing.get(1).getDouble(1) >= 10.0, "US from US's: " + missing.get(1));
    String saved = dir.resolve("model").toString();
    model.write().save(saved);
    frames.assertEquals(model.transform(train), PipelineModel.load(saved).transform(train));
  }

  @Test
  void missingCategoriesAreFilledAsConfiguredAndCanonicalFeaturesLeadTheModel(SparkSession spark,
      DataFrameAssertions frames) throws Exception {
    FeatureConfig features = new FeatureConfig("y", List.of("x"), List.of("country"), "mean", List.of(), false,
        OutlierConfig.NONE, "missing", "__missing__", 1.0);
    var canonical = new dev.kiln.config.PipelineConfig.CanonicalizeConfig(List.of("country", "email"), true, true,
        "NFKC", "lower", java.util.Map.of("country", java.util.Map.of("US", List.of("usa", "united states"))));
    List<PipelineStage> stages = FeatureStages.compile(features, canonical);
    dev.kiln.clean.ValueCanonicalizer first = assertInstanceOf(dev.kiln.clean.ValueCanonicalizer.class,
        stages.get(0));
    assertEquals(List.of("country"), List.of(first.getInputCols()), "email is not a feature: serving never sends it");
    Dataset<Row> train = spark.sql("SELECT * FROM VALUES "
        + "(' United  States', 1.0D, 1.0D), ('US', 2.0D, 0.0D), ('de', 3.0D, 1.0D), (CAST(NULL AS STRING), 4.0D, 0.0D)"
        + " AS t(country, x, y)");
    PipelineModel model = new Pipeline().setStages(stages.toArray(PipelineStage[]::new)).fit(train);
    List<Row> filled = model.transform(train).orderBy("x").select("country__filled").collectAsList();
    assertEquals(List.of("US", "US", "de", "__missing__"), filled.stream().map(r -> r.getString(0)).toList());
    String saved = dir.resolve("canonical").toString();
    model.write().save(saved);
    frames.assertEquals(model.transform(train), PipelineModel.load(saved).transform(train));

    FeatureConfig byMode = new FeatureConfig("y", List.of("x"), List.of("country"), "mean", List.of(), false,
        OutlierConfig.NONE, "mode", "__missing__", 1.0);
    PipelineModel modal = new Pipeline().setStages(FeatureStages.compile(byMode, canonical)
        .toArray(PipelineStage[]::new)).fit(train);
    assertEquals("US", modal.transform(train).filter("x = 4.0").select("country__filled").head().getString(0),
        "the mode of the canonical values");
  }
}
