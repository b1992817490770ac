package dev.kiln.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.testing.UsesSpark;
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
}
