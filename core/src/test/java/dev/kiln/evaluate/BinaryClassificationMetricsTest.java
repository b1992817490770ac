package dev.kiln.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.testing.UsesSpark;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

@UsesSpark
class BinaryClassificationMetricsTest {

  @Test
  void metricsAgreeWithSparkAndWithHandCounts(SparkSession spark) {
    Dataset<Row> data = spark.range(4_000).selectExpr(
        "cast(id % 10 as double) as x",
        "cast(rand(3) * 10 as double) as noise",
        "cast(((id % 10) + rand(5) * 8) > 9 as double) as y");
    Dataset<Row> assembled = new VectorAssembler().setInputCols(new String[] {"x", "noise"})
        .setOutputCol("features").transform(data);
    Dataset<Row> predictions = new LogisticRegression().setLabelCol("y").fit(assembled).transform(assembled)
        .cache();

    Map<String, Double> metrics = BinaryClassificationMetrics.of(predictions, "y");

    BinaryClassificationEvaluator evaluator = new BinaryClassificationEvaluator().setLabelCol("y")
        .setRawPredictionCol("probability").setNumBins(0); // exact curves, as Kiln computes them
    assertEquals(evaluator.setMetricName("areaUnderROC").evaluate(predictions), metrics.get("auc_roc"), 1e-12);
    assertEquals(evaluator.setMetricName("areaUnderPR").evaluate(predictions), metrics.get("auc_pr"), 1e-12);

    long n = predictions.count();
    long correct = predictions.filter("y = prediction").count();
    long tp = predictions.filter("y = 1 and prediction = 1").count();
    long predictedPositive = predictions.filter("prediction = 1").count();
    long positive = predictions.filter("y = 1").count();
    assertEquals((double) correct / n, metrics.get("accuracy"), 1e-12);
    assertEquals((double) tp / predictedPositive, metrics.get("precision"), 1e-12);
    assertEquals((double) tp / positive, metrics.get("recall"), 1e-12);
    assertEquals(n, metrics.get("test_rows"));
    double logLoss = predictions
        .withColumn("p", org.apache.spark.ml.functions.vector_to_array(
            org.apache.spark.sql.functions.col("probability"), "float64"))
        .selectExpr("avg(-(y * ln(p[1]) + (1 - y) * ln(p[0])))").head().getDouble(0);
    assertEquals(logLoss, metrics.get("log_loss"), 1e-9);
  }

  @Test
  void aHandCountedExample(SparkSession spark) {
    // Positives scored 0.9, 0.8, 0.6; negatives 0.7, 0.3, 0.2. At the threshold 0.5: tp 3, fp 1, fn 0, tn 2.
    Dataset<Row> predictions = new Predictions().row(1, 0.1, 0.9).row(1, 0.2, 0.8).row(0, 0.3, 0.7)
        .row(1, 0.4, 0.6).row(0, 0.7, 0.3).row(0, 0.8, 0.2).frame(spark);

    Evaluation evaluation = BinaryClassificationMetrics.evaluate(predictions, "y");
    Map<String, Double> m = evaluation.metrics();
    assertEquals(8.0 / 9, m.get("auc_roc"), 1e-12, "8 of the 9 (positive, negative) pairs are ordered right");
    // PR points (recall, precision): (1/3, 1), (2/3, 1), (2/3, 2/3), (1, 3/4), then (1, 3/5), (1, 1/2); Spark's
    // trapezoids start at (0, 1).
    double pr = (1.0 / 3) * 1 + (1.0 / 3) * 1 + 0 + (1.0 / 3) * (2.0 / 3 + 3.0 / 4) / 2;
    assertEquals(pr, m.get("auc_pr"), 1e-12);
    assertEquals(5.0 / 6, m.get("accuracy"), 1e-12);
    assertEquals(0.75, m.get("precision"), 1e-12);
    assertEquals(1.0, m.get("recall"), 1e-12);
    assertEquals(2 * 0.75 / 1.75, m.get("f1"), 1e-12);
    assertEquals(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.3) + Math.log(0.6) + Math.log(0.7) + Math.log(0.8)) / 6,
        m.get("log_loss"), 1e-12);
    assertEquals(6.0, m.get("test_rows"));
    assertEquals(List.of(2.0, 1.0, 0.0, 3.0), List.of(m.get("confusion.0.0"), m.get("confusion.0.1"),
        m.get("confusion.1.0"), m.get("confusion.1.1")));
    Evaluation.ConfusionMatrix confusion = evaluation.confusion().orElseThrow();
    assertEquals(List.of("0", "1"), confusion.classes());
    assertEquals(1, confusion.count(0, 1));

    // The ROC curve, exact here (6 distinct scores): (0,0), then one point per score, then (1,1).
    assertEquals(List.of(new Evaluation.Point(0, 0), new Evaluation.Point(0, 1.0 / 3), new Evaluation.Point(0, 2.0 / 3),
        new Evaluation.Point(1.0 / 3, 2.0 / 3), new Evaluation.Point(1.0 / 3, 1), new Evaluation.Point(2.0 / 3, 1),
        new Evaluation.Point(1, 1), new Evaluation.Point(1, 1)), evaluation.roc());
    assertEquals(new Evaluation.Point(1, 0.5), evaluation.pr().get(evaluation.pr().size() - 1));
  }

  @Test
  void curvesOfManyScoresAreDownSampledButKeepTheirShape(SparkSession spark) {
    Dataset<Row> data = spark.range(20_000).selectExpr("cast(id % 2 as double) as y",
        "(id % 2) * 0.3D + (hash(id) % 10000 + 10000) / 20000.0D * 0.7D as p");
    Dataset<Row> predictions = data.selectExpr("y", "cast(p > 0.5 as double) as prediction",
        "array(1 - p, p) as probability")
        .withColumn("probability", org.apache.spark.ml.functions.array_to_vector(
            org.apache.spark.sql.functions.col("probability")));

    Evaluation evaluation = BinaryClassificationMetrics.evaluate(predictions, "y");
    for (List<Evaluation.Point> curve : List.of(evaluation.roc(), evaluation.pr())) {
      assertTrue(curve.size() <= Evaluation.CURVE_POINTS && curve.size() > 150, "points: " + curve.size());
    }
    assertEquals(new Evaluation.Point(0, 0), evaluation.roc().get(0));
    assertEquals(new Evaluation.Point(1, 1), evaluation.roc().get(evaluation.roc().size() - 1));
    double area = 0;
    for (int i = 1; i < evaluation.roc().size(); i++) {
      Evaluation.Point a = evaluation.roc().get(i - 1);
      Evaluation.Point b = evaluation.roc().get(i);
      area += (b.x() - a.x()) * (a.y() + b.y()) / 2;
    }
    assertEquals(evaluation.metrics().get("auc_roc"), area, 0.002, "the drawn curve encloses the exact area");
  }
}
