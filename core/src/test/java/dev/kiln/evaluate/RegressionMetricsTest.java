package dev.kiln.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.testing.UsesSpark;
import java.util.Map;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

@UsesSpark
class RegressionMetricsTest {

  @Test
  void handComputedMetrics(SparkSession spark) {
    // Residuals (actual − predicted): −0.5, 0, 1, −1. Mean of y 2.5, population variance 1.25.
    Dataset<Row> predictions = spark.sql("select * from values (1.0D, 1.5D), (2.0D, 2.0D), (3.0D, 2.0D), "
        + "(4.0D, 5.0D) as t(y, prediction)");
    Evaluation evaluation = RegressionMetrics.evaluate(predictions, "y");
    Map<String, Double> m = evaluation.metrics();
    assertEquals(0.5625, m.get("mse"), 1e-12);
    assertEquals(0.75, m.get("rmse"), 1e-12);
    assertEquals(0.625, m.get("mae"), 1e-12);
    assertEquals(1 - 0.5625 / 1.25, m.get("r2"), 1e-12);
    assertEquals(-0.125, m.get("mean_residual"), 1e-12);
    assertEquals(1.0, m.get("max_abs_error"), 1e-12);
    assertEquals(4.0, m.get("test_rows"));
    RegressionEvaluator evaluator = new RegressionEvaluator().setLabelCol("y");
    for (String metric : new String[] {"rmse", "mae", "r2", "mse"}) {
      assertEquals(evaluator.setMetricName(metric).evaluate(predictions), m.get(metric), 1e-12, metric);
    }

    Evaluation.Residuals residuals = evaluation.residuals().orElseThrow();
    assertEquals(RegressionMetrics.BINS, residuals.histogram().size());
    assertEquals(-1.0, residuals.histogram().get(0).low());
    assertEquals(1.0, residuals.histogram().get(RegressionMetrics.BINS - 1).high());
    assertEquals(1, residuals.histogram().get(0).count(), "−1 in the first bin");
    assertEquals(1, residuals.histogram().get(RegressionMetrics.BINS - 1).count(), "+1 in the last");
    assertEquals(1, residuals.histogram().get(15).count(), "0 in [0, 1/15)");
    assertEquals(4, residuals.actualVsPredicted().size());
    assertTrue(residuals.actualVsPredicted().contains(new Evaluation.Point(4.0, 5.0)));
  }

  @Test
  void theScatterIsASampleOfAtMostAThousandPointsAndTheHistogramCountsEveryRow(SparkSession spark) {
    Dataset<Row> predictions = spark.range(5_000).selectExpr("id * 1.0D as y", "id * 1.0D + (id % 7) - 3 as prediction");
    Evaluation.Residuals residuals = RegressionMetrics.evaluate(predictions.repartition(4), "y").residuals()
        .orElseThrow();
    assertEquals(5_000, residuals.histogram().stream().mapToLong(Evaluation.Bin::count).sum());
    assertEquals(Evaluation.SCATTER_POINTS, residuals.actualVsPredicted().size());
    assertEquals(residuals.actualVsPredicted(), RegressionMetrics.evaluate(predictions.repartition(9), "y")
        .residuals().orElseThrow().actualVsPredicted(), "the same sample on any partitioning");
  }
}
