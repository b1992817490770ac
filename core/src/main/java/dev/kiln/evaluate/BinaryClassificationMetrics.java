package dev.kiln.evaluate;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Held-out metrics of a binary classifier from its predictions: areas under the ROC and precision-recall curves
 * (exact, no binning), accuracy, log loss, precision, recall and F1 of the positive class at the model's threshold,
 * and the confusion matrix. Two passes over the predictions: one sort for the curves (Spark's own exact curve
 * computation, which also gives the points drawn), one aggregation for the rest.
 */
public final class BinaryClassificationMetrics {

  private BinaryClassificationMetrics() {}

  /**
   * @param predictions the output of a fitted classification pipeline: {@code probability}, {@code prediction} and
   *     the label column (0/1). A classifier without probabilities (the linear SVM) is ranked by its
   *     {@code rawPrediction} margin, and has no log loss.
   */
  public static Map<String, Double> of(Dataset<Row> predictions, String label) {
    return evaluate(predictions, label).metrics();
  }

  /** The metrics, the curves (at most {@link Evaluation#CURVE_POINTS} points each) and the confusion matrix. */
  public static Evaluation evaluate(Dataset<Row> predictions, String label) {
    boolean probabilities = Tallies.hasProbabilities(predictions);
    JavaRDD<Tuple2<Object, Object>> scores = predictions.select(
            functions.vector_to_array(col(probabilities ? "probability" : "rawPrediction"), "float64").getItem(1),
            col("`" + label + "`").cast("double"))
        .javaRDD().map(r -> new Tuple2<>(r.getDouble(0), r.getDouble(1)));
    var curves = new org.apache.spark.mllib.evaluation.BinaryClassificationMetrics(scores.rdd(), 0);
    Map<String, Double> metrics = new LinkedHashMap<>();
    List<Evaluation.Point> roc;
    List<Evaluation.Point> pr;
    try {
      metrics.put("auc_roc", curves.areaUnderROC());
      metrics.put("auc_pr", curves.areaUnderPR());
      roc = downSample(curves.roc().toJavaRDD(), Evaluation.CURVE_POINTS);
      pr = downSample(curves.pr().toJavaRDD(), Evaluation.CURVE_POINTS);
    } finally {
      curves.unpersist();
    }

    Tallies tallies = Tallies.of(predictions, label, List.of("0", "1"), 2);
    Evaluation.ConfusionMatrix confusion = tallies.confusion;
    metrics.put("accuracy", tallies.accuracy());
    if (probabilities) {
      metrics.put("log_loss", tallies.logLoss());
    }
    metrics.put("precision", confusion.precision(1));
    metrics.put("recall", confusion.recall(1));
    metrics.put("f1", confusion.f1(1));
    metrics.put("test_rows", (double) tallies.rows());
    tallies.putCells(metrics);
    return new Evaluation("binary", metrics, roc, pr, Optional.of(confusion), Optional.empty());
  }

  /**
   * At most {@code max} points of a curve, evenly spaced along it, always with its first and last: two small jobs
   * over the curve Spark keeps cached (its points are the distinct scores, in order).
   */
  static List<Evaluation.Point> downSample(JavaRDD<Tuple2<Object, Object>> curve, int max) {
    long n = curve.count();
    // Indices 0, step, 2·step, ... and the last: at most (n − 1) / step + 2 points.
    long step = n <= max ? 1 : (n - 1 + max - 3) / (max - 2);
    List<Tuple2<Tuple2<Object, Object>, Long>> kept = curve.zipWithIndex()
        .filter(p -> p._2() % step == 0 || p._2() == n - 1).collect();
    List<Tuple2<Tuple2<Object, Object>, Long>> ordered = new ArrayList<>(kept);
    ordered.sort(java.util.Comparator.comparingLong(Tuple2::_2));
    List<Evaluation.Point> points = new ArrayList<>();
    ordered.forEach(p -> points.add(new Evaluation.Point((Double) p._1()._1(), (Double) p._1()._2())));
    return points;
  }
}
