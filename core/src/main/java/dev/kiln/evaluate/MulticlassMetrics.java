package dev.kiln.evaluate;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Held-out metrics of a multiclass classifier: accuracy, weighted F1 and log loss. */
public final class MulticlassMetrics {

  private MulticlassMetrics() {}

  /**
   * @param predictions the output of a fitted classification pipeline: {@code probability}, {@code prediction} and
   *     the class number in {@code label}
   */
  public static Map<String, Double> of(Dataset<Row> predictions, String label) {
    MulticlassClassificationEvaluator evaluator = new MulticlassClassificationEvaluator().setLabelCol(label)
        .setPredictionCol("prediction").setProbabilityCol("probability");
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("accuracy", evaluator.setMetricName("accuracy").evaluate(predictions));
    metrics.put("f1", evaluator.setMetricName("f1").evaluate(predictions));
    metrics.put("log_loss", evaluator.setMetricName("logLoss").evaluate(predictions));
    metrics.put("test_rows", (double) predictions.count());
    return metrics;
  }
}
