package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.PipelineConfig.EarlyStoppingConfig;
import dev.kiln.config.PipelineConfig.ModelConfig;
import dev.kiln.config.PipelineConfig.TuningConfig;
import dev.kiln.testing.UsesSpark;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** With early stopping on, boosting stops well before its limit once the validation part stops improving. */
@UsesSpark
class EarlyStoppingTest {

  /**
   * Fits {@code algorithm} with early stopping on 2,000 rows of {@link Learning#binary}: it must stop before
   * {@code limit} trees, record how many it kept, and still learn the rule.
   *
   * @return the effective params the registry would record
   */
  private static Map<String, String> stopsBefore(int limit, String algorithm, Map<String, String> params,
      SparkSession spark) {
    Dataset<Row> rows = Learning.binary(spark, 2000);
    ModelConfig config = new ModelConfig("m", "binary", algorithm, params, List.of(), "none", TuningConfig.NONE,
        new EarlyStoppingConfig(true, 0.2, 3));
    ModelTrainer trainer = Learning.trainer(config, Task.BINARY);
    PipelineModel model = trainer.fit(rows);
    int trees = ModelTrainer.trees(FeatureImportances.predictor(model)).orElseThrow();
    assertTrue(trees < limit, algorithm + ": " + trees + " trees");
    Map<String, String> effective = trainer.effectiveParams();
    assertEquals(String.valueOf(trees), effective.get("early_stopping.trees"));
    assertTrue(Learning.metrics(model, rows, Task.BINARY).get("accuracy") > 0.85);
    return effective;
  }

  @Test
  void gbtStopsAddingTrees(SparkSession spark) {
    Map<String, String> params = stopsBefore(100, "gbt", Map.of("maxIter", "100", "stepSize", "0.5", "maxDepth", "3"),
        spark);
    assertEquals(ModelEstimator.VALIDATION, params.get("validationIndicatorCol"));
  }

  @Test
  void xgboostStopsAddingRounds(SparkSession spark) {
    Map<String, String> params = stopsBefore(300, "xgboost", Map.of("numRound", "300", "eta", "0.5"), spark);
    assertEquals(String.valueOf(ModelEstimator.BOOSTING_PATIENCE), params.get("numEarlyStoppingRounds"));
  }

  @Test
  void lightgbmStopsAddingRounds(SparkSession spark) {
    Map<String, String> params = stopsBefore(300, "lightgbm", Map.of("numIterations", "300", "learningRate", "0.5"),
        spark);
    // What the booster trained with, from its saved parameters.
    assertEquals(String.valueOf(ModelEstimator.BOOSTING_PATIENCE), params.get("lightgbm.early_stopping_round"));
  }
}
