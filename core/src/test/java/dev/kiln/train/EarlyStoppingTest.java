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

  private static ModelTrainer trainer(String algorithm, Map<String, String> params) {
    ModelConfig model = new ModelConfig("m", "binary", algorithm, params, List.of(), "none", TuningConfig.NONE,
        new EarlyStoppingConfig(true, 0.2, 3));
    return Learning.trainer(model, Task.BINARY);
  }

  @Test
  void gbtStopsAddingTrees(SparkSession spark) {
    Dataset<Row> rows = Learning.binary(spark, 2000);
    ModelTrainer trainer = trainer("gbt", Map.of("maxIter", "100", "stepSize", "0.5", "maxDepth", "3"));
    PipelineModel model = trainer.fit(rows);
    int trees = ModelTrainer.trees(FeatureImportances.predictor(model)).orElseThrow();
    assertTrue(trees < 100, trees + " trees");
    Map<String, String> params = trainer.effectiveParams();
    assertEquals(String.valueOf(trees), params.get("early_stopping.trees"));
    assertEquals(ModelEstimator.VALIDATION, params.get("validationIndicatorCol"));
    assertTrue(Learning.metrics(model, rows, Task.BINARY).get("accuracy") > 0.85);
  }

  @Test
  void xgboostStopsAddingRounds(SparkSession spark) {
    Dataset<Row> rows = Learning.binary(spark, 2000);
    ModelTrainer trainer = trainer("xgboost", Map.of("numRound", "300", "eta", "0.5"));
    PipelineModel model = trainer.fit(rows);
    int rounds = ModelTrainer.trees(FeatureImportances.predictor(model)).orElseThrow();
    assertTrue(rounds < 300, rounds + " rounds");
    assertEquals(String.valueOf(ModelEstimator.BOOSTING_PATIENCE),
        trainer.effectiveParams().get("numEarlyStoppingRounds"));
    assertTrue(Learning.metrics(model, rows, Task.BINARY).get("accuracy") > 0.85);
  }

  @Test
  void lightgbmStopsAddingRounds(SparkSession spark) {
    Dataset<Row> rows = Learning.binary(spark, 2000);
    ModelTrainer trainer = trainer("lightgbm", Map.of("numIterations", "300", "learningRate", "0.5"));
    PipelineModel model = trainer.fit(rows);
    int rounds = ModelTrainer.trees(FeatureImportances.predictor(model)).orElseThrow();
    assertTrue(rounds < 300, rounds + " rounds");
    Map<String, String> params = trainer.effectiveParams();
    assertEquals(String.valueOf(rounds), params.get("early_stopping.trees"));
    // What the booster trained with, from its saved parameters.
    assertEquals(String.valueOf(ModelEstimator.BOOSTING_PATIENCE), params.get("lightgbm.early_stopping_round"));
    assertTrue(Learning.metrics(model, rows, Task.BINARY).get("accuracy") > 0.85);
  }
}
