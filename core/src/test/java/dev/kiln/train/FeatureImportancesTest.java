package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.PipelineConfig;
import dev.kiln.config.PipelineConfig.FeatureConfig;
import dev.kiln.testing.UsesSpark;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The informative feature comes first, by name, whatever kind of model ranks it. */
@UsesSpark
class FeatureImportancesTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({"random-forest, IMPORTANCE", "logistic-regression, COEFFICIENT", "xgboost, IMPORTANCE",
      "lightgbm, IMPORTANCE", "mlp, NONE"})
  void theInformativeFeatureRanksFirst(String algorithm, FeatureImportances.Kind kind, SparkSession spark) {
    // y depends on x1 only; x2 and colour are noise.
    Dataset<Row> rows = Learning.base(spark, 1500, "cast(case when x1 + 0.1 * noise > 0 then 1 else 0 end as double)");
    Map<String, String> params = switch (algorithm) {
      case "xgboost" -> Map.of("numRound", "10");
      case "lightgbm" -> Map.of("numIterations", "10");
      case "random-forest" -> Map.of("numTrees", "10");
      default -> Map.of("maxIter", "20");
    };
    PipelineModel model = Learning.trainer(Learning.model(algorithm, Task.BINARY, params), Task.BINARY).fit(rows);

    // As the jobs call it: no rows, the input columns only (no label).
    Dataset<Row> inputs = spark.createDataFrame(List.of(), rows.drop("y").schema());
    List<FeatureImportances.Entry> importances = FeatureImportances.of(model, inputs);
    assertEquals(kind, FeatureImportances.kind(model));
    if (kind == FeatureImportances.Kind.NONE) {
      assertEquals(List.of(), importances);
      return;
    }
    assertEquals("x1", importances.get(0).feature(), importances.toString());
    assertTrue(Math.abs(importances.get(0).value()) > 2 * Math.abs(importances.get(1).value()),
        importances.toString());
    List<String> names = importances.stream().map(FeatureImportances.Entry::feature).toList();
    assertTrue(names.contains("x2") && names.contains("colour=red") && names.contains("colour=__unknown"),
        names.toString());
    assertEquals(names.size(), names.stream().distinct().count(), names.toString());
  }

  @Test
  void scaledFeaturesKeepTheirColumnNames(SparkSession spark) {
    Dataset<Row> rows = Learning.base(spark, 800, "cast(case when x1 + 0.1 * noise > 0 then 1 else 0 end as double)");
    FeatureConfig plain = Learning.FEATURES;
    FeatureConfig scaled = new FeatureConfig(plain.label(), plain.numeric(), plain.categorical(), plain.impute(),
        plain.imputeBy(), plain.missingIndicators(), plain.outliers(), plain.imputeCategorical(),
        plain.categoricalFill(), plain.dropMissingOver(), "standard", List.of(), Map.of(), Map.of(), List.of(),
        Map.of(), Map.of(), Map.of(), List.of(), plain.selection(), plain.categoricalEncoding());
    PipelineModel model = new ModelTrainer(scaled, Learning.model("logistic-regression", Task.BINARY,
        Map.of("maxIter", "20")), PipelineConfig.CanonicalizeConfig.NONE, Task.BINARY).fit(rows);
    List<String> names = FeatureImportances.of(model, rows).stream().map(FeatureImportances.Entry::feature).toList();
    assertEquals("x1", names.get(0), names.toString());
    assertTrue(names.contains("x2"), names.toString());
  }
}
