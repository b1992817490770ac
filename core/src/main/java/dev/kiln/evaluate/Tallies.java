package dev.kiln.evaluate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.sum;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The one aggregation a classifier's scalar metrics come from: held-out rows counted by (actual, predicted) class,
 * with the sum of their log losses, {@code −ln max(p(actual), 1e-15)} (Spark's evaluator's clipping; a class the
 * model never saw has no probability and counts as 1e-15).
 */
final class Tallies {

  static final double EPSILON = 1e-15;

  /** The name of a held-out class the model's class names do not have (a text label not seen in training). */
  static final String UNSEEN = "(not in training)";

  final Evaluation.ConfusionMatrix confusion;
  final double logLossSum;

  private Tallies(Evaluation.ConfusionMatrix confusion, double logLossSum) {
    this.confusion = confusion;
    this.logLossSum = logLossSum;
  }

  /**
   * @param label the class number column (0, 1, ..., k-1, as a double)
   * @param names the model's class names by number (empty: classes are named by their numbers); a class number
   *     beyond them is {@link #UNSEEN}
   * @param classes at least this many classes are shown (0 to classes-1), seen or not
   */
  static Tallies of(Dataset<Row> predictions, String label, List<String> names, int classes) {
    Column y = col("`" + label + "`").cast("int");
    Column loss = lit(0.0);  // a classifier without probabilities (the linear SVM) has no log loss
    if (hasProbabilities(predictions)) {
      Column probabilities = functions.vector_to_array(col("probability"), "float64");
      Column p = org.apache.spark.sql.functions.try_element_at(probabilities, y.plus(1));
      loss = log(greatest(org.apache.spark.sql.functions.coalesce(p, lit(0.0)), lit(EPSILON))).unary_$minus();
    }
    List<Row> cells = predictions.select(y.as("y"), col("prediction").cast("int").as("yhat"), loss.as("loss"))
        .groupBy("y", "yhat").agg(count(lit(1)), sum("loss")).collectAsList();
    TreeSet<Integer> seen = new TreeSet<>();
    for (int c = 0; c < Math.max(classes, names.size()); c++) {
      seen.add(c);
    }
    cells.forEach(r -> {
      seen.add(r.getInt(0));
      seen.add(r.getInt(1));
    });
    int size = seen.last() + 1;
    long[][] counts = new long[size][size];
    double lossSum = 0;
    for (Row r : cells) {
      counts[r.getInt(0)][r.getInt(1)] += r.getLong(2);
      lossSum += r.getDouble(3);
    }
    List<String> named = new ArrayList<>();
    for (int c = 0; c < size; c++) {
      named.add(c < names.size() ? names.get(c) : names.isEmpty() ? String.valueOf(c) : UNSEEN);
    }
    return new Tallies(new Evaluation.ConfusionMatrix(named, counts), lossSum);
  }

  /** Whether the model gave class probabilities (every classifier but the linear SVM). */
  static boolean hasProbabilities(Dataset<Row> predictions) {
    return java.util.Arrays.asList(predictions.columns()).contains("probability");
  }

  long rows() {
    return confusion.total();
  }

  double accuracy() {
    return rows() == 0 ? Double.NaN : (double) confusion.correct() / rows();
  }

  double logLoss() {
    return rows() == 0 ? Double.NaN : logLossSum / rows();
  }

  /** {@code confusion.<actual>.<predicted>} for every cell, when the matrix has at most 100 cells. */
  void putCells(Map<String, Double> metrics) {
    if (confusion.size() > 10) {
      return;
    }
    for (int a = 0; a < confusion.size(); a++) {
      for (int p = 0; p < confusion.size(); p++) {
        metrics.put("confusion." + confusion.classes().get(a) + "." + confusion.classes().get(p),
            (double) confusion.count(a, p));
      }
    }
  }
}
