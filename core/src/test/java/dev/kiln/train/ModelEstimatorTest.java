package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.PipelineConfig.EarlyStoppingConfig;
import dev.kiln.config.PipelineConfig.ModelConfig;
import dev.kiln.config.PipelineConfig.TuningConfig;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.testing.UsesSpark;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** What the model stage completes at fit time, and what it refuses. */
@UsesSpark
class ModelEstimatorTest {

  @Test
  void theMlpGetsItsInputAndOutputSizesAroundTheHiddenLayers(SparkSession spark) {
    Dataset<Row> rows = Learning.multiclass(spark, 1000);
    ModelConfig model = new ModelConfig("m", "multiclass", "mlp", Map.of("maxIter", "50", "seed", "1"),
        List.of(8, 4), "none", TuningConfig.NONE, EarlyStoppingConfig.OFF);
    ModelTrainer trainer = Learning.trainer(model, Task.MULTICLASS);
    PipelineModel fitted = trainer.fit(rows);
    int inputs = AttributeGroup.fromStructField(fitted.transform(rows).schema().apply("features")).size();
    // Three classes and the label indexer's slot for unseen ones.
    assertEquals(inputs + ",8,4,4", trainer.effectiveParams().get("layers"));
  }

  @Test
  void naiveBayesRefusesNegativeFeaturesUnlessGaussian(SparkSession spark) {
    Dataset<Row> rows = Learning.binary(spark, 500);
    ModelTrainer trainer = Learning.trainer(Learning.model("naive-bayes", Task.BINARY, Map.of()), Task.BINARY);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> trainer.fit(rows));
    assertTrue(e.getMessage().startsWith("model.algorithm = naive-bayes with modelType multinomial needs "
        + "non-negative features, but the training rows have negative values in 'x1' (down to -"), e.getMessage());
    assertTrue(e.getMessage().endsWith("set model.params.modelType = gaussian for real-valued features"),
        e.getMessage());
  }

  @Test
  void aTaskTheLabelDecidedIsCheckedBeforeFitting(SparkSession spark) {
    Dataset<Row> rows = Learning.multiclass(spark, 300);
    ModelTrainer svm = Learning.trainer(new ModelConfig("m", "linear-svm", Map.of()), Task.MULTICLASS);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> svm.fit(rows));
    assertEquals("model.algorithm = linear-svm cannot learn a multiclass task; it serves binary", e.getMessage());

    ModelConfig weighted = new ModelConfig("m", "auto", "random-forest", Map.of(), List.of(), "balanced",
        TuningConfig.NONE, EarlyStoppingConfig.OFF);
    InvalidConfigException config = assertThrows(InvalidConfigException.class,
        () -> Learning.trainer(weighted, Task.REGRESSION).fit(Learning.regression(spark, 300)));
    assertTrue(config.getMessage().contains("task regression: model.class-weights: balanced class weights apply to "
        + "classification, not to a regression task"), config.getMessage());
  }
}
