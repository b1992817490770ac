package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.PipelineConfig.EarlyStoppingConfig;
import dev.kiln.config.PipelineConfig.ModelConfig;
import dev.kiln.config.PipelineConfig.TuningConfig;
import dev.kiln.testing.UsesSpark;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

@UsesSpark
class ClassWeightsTest {

  @Test
  void balancedWeightsRaiseTheMinorityClassRecall(SparkSession spark) {
    // About 8% positives, overlapping the negatives: unweighted, the model mostly predicts the majority class.
    Dataset<Row> rows = Learning.base(spark, 3000,
        "cast(case when x1 + 0.6 * noise > 0.95 then 1 else 0 end as double)");
    HoldOutSplit split = new HoldOutSplit(0.3, List.of(), 9);
    Dataset<Row> train = split.train(rows);
    double positives = train.filter("y = 1").count() / (double) train.count();
    assertTrue(positives > 0.04 && positives < 0.15, "positives: " + positives);

    Map<String, Double> plain = fit(train, split.test(rows), "none").metrics;
    Fitted balanced = fit(train, split.test(rows), "balanced");
    assertTrue(balanced.metrics.get("recall") > plain.get("recall") + 0.2,
        "balanced " + balanced.metrics + " vs unweighted " + plain);
    assertEquals("balanced", balanced.params.get("class_weights"));
    assertEquals(ModelEstimator.WEIGHT, balanced.params.get("weightCol"));
  }

  private record Fitted(Map<String, Double> metrics, Map<String, String> params) {}

  private static Fitted fit(Dataset<Row> train, Dataset<Row> test, String weights) {
    ModelConfig model = new ModelConfig("m", "binary", "logistic-regression", Map.of("maxIter", "30"), List.of(),
        weights, TuningConfig.NONE, EarlyStoppingConfig.OFF);
    ModelTrainer trainer = Learning.trainer(model, Task.BINARY);
    Map<String, Double> metrics = Learning.metrics(trainer.fit(train), test, Task.BINARY);
    return new Fitted(metrics, trainer.effectiveParams());
  }
}
