package dev.kiln.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.testing.UsesSpark;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

@UsesSpark
class MulticlassMetricsTest {

  /**
   * Ten rows of three classes. Actual by predicted:
   *
   * <pre>
   *            adelie chinstrap gentoo
   * adelie        3       1        0
   * chinstrap     1       2        0
   * gentoo        0       1        2
   * </pre>
   */
  private static Dataset<Row> predictions(SparkSession spark) {
    return new Predictions()
        .row(0, 0.8, 0.1, 0.1).row(0, 0.7, 0.2, 0.1).row(0, 0.6, 0.3, 0.1).row(0, 0.3, 0.6, 0.1)
        .row(1, 0.5, 0.4, 0.1).row(1, 0.2, 0.7, 0.1).row(1, 0.1, 0.8, 0.1)
        .row(2, 0.1, 0.5, 0.4).row(2, 0.1, 0.1, 0.8).row(2, 0.0, 0.1, 0.9)
        .frame(spark);
  }

  @Test
  void handCountedMetricsPerClassAndOverall(SparkSession spark) {
    Evaluation evaluation = MulticlassMetrics.evaluate(predictions(spark), "y",
        List.of("adelie", "chinstrap", "gentoo"));
    Map<String, Double> m = evaluation.metrics();

    assertEquals(0.7, m.get("accuracy"), 1e-12);
    assertEquals(0.75, m.get("precision.adelie"), 1e-12);
    assertEquals(0.75, m.get("recall.adelie"), 1e-12);
    assertEquals(0.5, m.get("precision.chinstrap"), 1e-12);
    assertEquals(2.0 / 3, m.get("recall.chinstrap"), 1e-12);
    assertEquals(1.0, m.get("precision.gentoo"), 1e-12);
    assertEquals(2.0 / 3, m.get("recall.gentoo"), 1e-12);
    double f1Chinstrap = 2 * 0.5 * (2.0 / 3) / (0.5 + 2.0 / 3);
    double f1Gentoo = 2 * (2.0 / 3) / (1 + 2.0 / 3);
    assertEquals(f1Chinstrap, m.get("f1.chinstrap"), 1e-12);
    assertEquals((0.75 + f1Chinstrap + f1Gentoo) / 3, m.get("macro_f1"), 1e-12);
    assertEquals((4 * 0.75 + 3 * f1Chinstrap + 3 * f1Gentoo) / 10, m.get("f1"), 1e-12);
    assertEquals(3.0, m.get("support.gentoo"));
    assertEquals(1.0, m.get("confusion.gentoo.chinstrap"));
    assertEquals(0.0, m.get("confusion.gentoo.adelie"));
    double logLoss = -(Math.log(0.8) + Math.log(0.7) + Math.log(0.6) + Math.log(0.3) + Math.log(0.4) + Math.log(0.7)
        + Math.log(0.8) + Math.log(0.4) + Math.log(0.8) + Math.log(0.9)) / 10;
    assertEquals(logLoss, m.get("log_loss"), 1e-12);
    assertEquals(10.0, m.get("test_rows"));

    Evaluation.ConfusionMatrix confusion = evaluation.confusion().orElseThrow();
    assertEquals(List.of("adelie", "chinstrap", "gentoo"), confusion.classes());
    assertEquals(List.of(3L, 1L, 0L, 1L, 2L, 0L, 0L, 1L, 2L), List.of(confusion.count(0, 0), confusion.count(0, 1),
        confusion.count(0, 2), confusion.count(1, 0), confusion.count(1, 1), confusion.count(1, 2),
        confusion.count(2, 0), confusion.count(2, 1), confusion.count(2, 2)));
  }

  @Test
  void agreesWithSparksEvaluator(SparkSession spark) {
    Dataset<Row> predictions = predictions(spark);
    Map<String, Double> m = MulticlassMetrics.of(predictions, "y");
    MulticlassClassificationEvaluator spark3 = new MulticlassClassificationEvaluator().setLabelCol("y");
    assertEquals(spark3.setMetricName("accuracy").evaluate(predictions), m.get("accuracy"), 1e-12);
    assertEquals(spark3.setMetricName("f1").evaluate(predictions), m.get("f1"), 1e-12);
    assertEquals(spark3.setMetricName("weightedPrecision").evaluate(predictions), m.get("weighted_precision"), 1e-12);
    assertEquals(spark3.setMetricName("weightedRecall").evaluate(predictions), m.get("weighted_recall"), 1e-12);
    assertEquals(spark3.setMetricName("logLoss").evaluate(predictions), m.get("log_loss"), 1e-12);
    for (int c = 0; c < 3; c++) {
      spark3.setMetricLabel(c);
      assertEquals(spark3.setMetricName("precisionByLabel").evaluate(predictions), m.get("precision." + c), 1e-12);
      assertEquals(spark3.setMetricName("recallByLabel").evaluate(predictions), m.get("recall." + c), 1e-12);
      assertEquals(spark3.setMetricName("fMeasureByLabel").evaluate(predictions), m.get("f1." + c), 1e-12);
    }
  }
}
