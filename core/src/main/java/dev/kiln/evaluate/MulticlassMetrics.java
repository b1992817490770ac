package dev.kiln.evaluate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Held-out metrics of a multiclass classifier, all from one aggregation (rows counted by actual and predicted
 * class): accuracy, log loss, F1 weighted by class size ({@code f1}, as Spark's evaluator) and unweighted
 * ({@code macro_f1}), weighted precision and recall, and precision, recall, F1 and support of every class, keyed
 * {@code precision.<class>} and so on; the confusion matrix.
 */
public final class MulticlassMetrics {

  private MulticlassMetrics() {}

  /**
   * @param predictions the output of a fitted classification pipeline: {@code probability}, {@code prediction} and
   *     the class number in {@code label}
   */
  public static Map<String, Double> of(Dataset<Row> predictions, String label) {
    return evaluate(predictions, label, List.of()).metrics();
  }

  /**
   * @param classNames the model's class names by class number (a text label's, from its indexer); empty: classes
   *     are named by their numbers
   */
  public static Evaluation evaluate(Dataset<Row> predictions, String label, List<String> classNames) {
    Tallies tallies = Tallies.of(predictions, label, classNames, 0);
    Evaluation.ConfusionMatrix confusion = tallies.confusion;
    long n = tallies.rows();
    double weightedF1 = 0;
    double weightedPrecision = 0;
    double weightedRecall = 0;
    double macroF1 = 0;
    int present = 0;
    Map<String, Double> perClass = new LinkedHashMap<>();
    for (int c = 0; c < confusion.size(); c++) {
      long support = confusion.support(c);
      double share = n == 0 ? 0 : (double) support / n;
      weightedF1 += share * confusion.f1(c);
      weightedPrecision += share * confusion.precision(c);
      weightedRecall += share * confusion.recall(c);
      if (support > 0 || confusion.predicted(c) > 0) {
        macroF1 += confusion.f1(c);
        present++;
      }
      String name = confusion.classes().get(c);
      perClass.put("precision." + name, confusion.precision(c));
      perClass.put("recall." + name, confusion.recall(c));
      perClass.put("f1." + name, confusion.f1(c));
      perClass.put("support." + name, (double) support);
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("accuracy", tallies.accuracy());
    metrics.put("log_loss", tallies.logLoss());
    metrics.put("f1", weightedF1);
    metrics.put("macro_f1", present == 0 ? Double.NaN : macroF1 / present);
    metrics.put("weighted_precision", weightedPrecision);
    metrics.put("weighted_recall", weightedRecall);
    metrics.put("test_rows", (double) n);
    metrics.putAll(perClass);
    tallies.putCells(metrics);
    return new Evaluation("multiclass", metrics, List.of(), List.of(), Optional.of(confusion), Optional.empty());
  }
}
