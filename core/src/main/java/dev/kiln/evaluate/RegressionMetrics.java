package dev.kiln.evaluate;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Held-out metrics of a regression model: RMSE, MAE and R². */
public final class RegressionMetrics {

  private RegressionMetrics() {}

  /** @param predictions the output of a fitted regression pipeline: {@code prediction} and the label column */
  public static Map<String, Double> of(Dataset<Row> predictions, String label) {
    RegressionEvaluator evaluator = new RegressionEvaluator().setLabelCol(label).setPredictionCol("prediction");
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("rmse", evaluator.setMetricName("rmse").evaluate(predictions));
    metrics.put("mae", evaluator.setMetricName("mae").evaluate(predictions));
    metrics.put("r2", evaluator.setMetricName("r2").evaluate(predictions));
    metrics.put("test_rows", (double) predictions.count());
    return metrics;
  }
}
