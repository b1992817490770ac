package dev.kiln.evaluate;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Held-out metrics of a binary classifier from its predictions: areas under the ROC and precision-recall curves
 * (exact, no binning), accuracy, log loss, and precision, recall and F1 of the positive class at the model's
 * threshold. Two passes over the predictions: one sort for the curves, one aggregate for the rest.
 */
public final class BinaryClassificationMetrics {

  private BinaryClassificationMetrics() {}

  /**
   * @param predictions the output of a fitted classification pipeline: {@code probability}, {@code prediction} and
   *     the label column (0/1). A classifier without probabilities (the linear SVM) is ranked by its
   *     {@code rawPrediction} margin, and has no log loss.
   */
  public static Map<String, Double> of(Dataset<Row> predictions, String label) {
    boolean probabilities = java.util.Arrays.asList(predictions.columns()).contains("probability");
    Column positive = functions.vector_to_array(col(probabilities ? "probability" : "rawPrediction"), "float64")
        .getItem(1);
    Dataset<Row> scored = predictions.select(positive.as("p"), col("`" + label + "`").cast("double").as("y"),
        col("prediction").as("yhat"));

    var curves = new org.apache.spark.mllib.evaluation.BinaryClassificationMetrics(
        scored.select("p", "y").javaRDD().map(r -> new Tuple2<Object, Object>(r.getDouble(0), r.getDouble(1)))
            .rdd(), 0);
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("auc_roc", curves.areaUnderROC());
    metrics.put("auc_pr", curves.areaUnderPR());
    curves.unpersist();

    Column clipped = least(greatest(col("p"), lit(1e-15)), lit(1 - 1e-15));
    Row totals = scored.agg(
        count(lit(1)),
        avg(when(col("y").equalTo(col("yhat")), 1.0).otherwise(0.0)),
        avg(when(col("y").equalTo(1.0), log(clipped)).otherwise(log(lit(1.0).minus(clipped))).unary_$minus()),
        sum(when(col("y").equalTo(1.0).and(col("yhat").equalTo(1.0)), 1L).otherwise(0L)),
        sum(when(col("y").equalTo(0.0).and(col("yhat").equalTo(1.0)), 1L).otherwise(0L)),
        sum(when(col("y").equalTo(1.0).and(col("yhat").equalTo(0.0)), 1L).otherwise(0L))).head();
    long tp = totals.getLong(3);
    long fp = totals.getLong(4);
    long fn = totals.getLong(5);
    double precision = tp + fp == 0 ? 0.0 : (double) tp / (tp + fp);
    double recall = tp + fn == 0 ? 0.0 : (double) tp / (tp + fn);
    metrics.put("accuracy", totals.getDouble(1));
    if (probabilities) {
      metrics.put("log_loss", totals.getDouble(2));
    }
    metrics.put("precision", precision);
    metrics.put("recall", recall);
    metrics.put("f1", precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall));
    metrics.put("test_rows", (double) totals.getLong(0));
    return metrics;
  }
}
