package dev.kiln.train;

import dev.kiln.config.PipelineConfig;
import dev.kiln.config.PipelineConfig.FeatureConfig;
import dev.kiln.config.PipelineConfig.ModelConfig;
import dev.kiln.evaluate.BinaryClassificationMetrics;
import dev.kiln.evaluate.MulticlassMetrics;
import dev.kiln.evaluate.RegressionMetrics;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Small generated data sets with a known rule, for tests that check what a model learned. Values come from seeded
 * hashes of the row index, so every run and layout sees the same rows.
 */
final class Learning {

  /** Two numeric features in [-1, 1) ({@code x1} decides, {@code x2} a little), one categorical noise feature. */
  static final FeatureConfig FEATURES = features("y");

  static FeatureConfig features(String label) {
    return new FeatureConfig(label, List.of("x1", "x2"), List.of("colour"), "mean");
  }

  private Learning() {}

  /**
   * {@code rows} rows of {@code x1}, {@code x2}, {@code noise} (each in [-1, 1)) and {@code colour}, with the label
   * {@code y} computed by the SQL expression {@code y}.
   */
  static Dataset<Row> base(SparkSession spark, int rows, String y) {
    return spark.range(rows).selectExpr("id",
            "(pmod(hash(id, 11), 20000) / 10000.0) - 1.0 as x1",
            "(pmod(hash(id, 12), 20000) / 10000.0) - 1.0 as x2",
            "element_at(array('red', 'green', 'blue'), pmod(hash(id, 13), 3) + 1) as colour",
            "(pmod(hash(id, 14), 20000) / 10000.0) - 1.0 as noise")
        .selectExpr("x1", "x2", "colour", y + " as y").repartition(2).cache();
  }

  /** {@code y} = 1 when {@code x1 + 0.5 x2} (plus a little noise) {@code > 0}, else 0. */
  static Dataset<Row> binary(SparkSession spark, int rows) {
    return base(spark, rows, "cast(case when x1 + 0.5 * x2 + 0.2 * noise > 0 then 1 else 0 end as double)");
  }

  /** Three classes by {@code x1} (plus a little noise): low, mid, high (text labels). */
  static Dataset<Row> multiclass(SparkSession spark, int rows) {
    return base(spark, rows, "case when x1 + 0.2 * noise < -0.33 then 'low' when x1 + 0.2 * noise < 0.33 "
        + "then 'mid' else 'high' end");
  }

  /** {@code y = 3 x1 - 2 x2} plus a little noise. */
  static Dataset<Row> regression(SparkSession spark, int rows) {
    return base(spark, rows, "3 * x1 - 2 * x2 + 0.1 * noise");
  }

  static Dataset<Row> rows(SparkSession spark, Task task, int rows) {
    return switch (task) {
      case BINARY -> binary(spark, rows);
      case MULTICLASS -> multiclass(spark, rows);
      case REGRESSION -> regression(spark, rows);
    };
  }

  static ModelConfig model(String algorithm, Task task, Map<String, String> params) {
    return new ModelConfig("m", task.configName(), algorithm, params);
  }

  static ModelTrainer trainer(ModelConfig model, Task task) {
    return new ModelTrainer(FEATURES, model, PipelineConfig.CanonicalizeConfig.NONE, task);
  }

  /** Held-out metrics of {@code model} on {@code test}, as the training loop measures them. */
  static Map<String, Double> metrics(PipelineModel model, Dataset<Row> test, Task task) {
    Dataset<Row> predictions = model.transform(test);
    String label = ModelTrainer.trainedLabel("y", test.schema());
    return switch (task) {
      case BINARY -> BinaryClassificationMetrics.of(predictions, label);
      case MULTICLASS -> MulticlassMetrics.of(predictions, label);
      case REGRESSION -> RegressionMetrics.of(predictions, label);
    };
  }
}
