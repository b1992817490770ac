package dev.kiln.evaluate;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.var_pop;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Held-out metrics of a regression model: RMSE, MSE, MAE, R², the mean residual (bias) and the largest absolute
 * error, in one aggregation; for the report, a histogram of the residuals ({@code actual − predicted}, a second
 * aggregation) and a seeded sample of (actual, predicted) pairs (a top-k pass by a hash of the values).
 */
public final class RegressionMetrics {

  /** Bins of the residual histogram. */
  public static final int BINS = 30;

  private RegressionMetrics() {}

  /** @param predictions the output of a fitted regression pipeline: {@code prediction} and the label column */
  public static Map<String, Double> of(Dataset<Row> predictions, String label) {
    return evaluate(predictions, label).metrics();
  }

  public static Evaluation evaluate(Dataset<Row> predictions, String label) {
    Dataset<Row> scored = predictions.select(col("`" + label + "`").cast("double").as("y"),
        col("prediction").cast("double").as("yhat"));
    Column residual = col("y").minus(col("yhat"));
    Row totals = scored.agg(count(lit(1)), avg(residual.multiply(residual)), avg(abs(residual)), avg(residual),
        max(abs(residual)), var_pop(col("y")), min(residual), max(residual)).head();
    long n = totals.getLong(0);
    double mse = n == 0 ? Double.NaN : totals.getDouble(1);
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("rmse", Math.sqrt(mse));
    metrics.put("mae", n == 0 ? Double.NaN : totals.getDouble(2));
    metrics.put("r2", n == 0 || totals.getDouble(5) == 0 ? Double.NaN : 1 - mse / totals.getDouble(5));
    metrics.put("mse", mse);
    metrics.put("mean_residual", n == 0 ? Double.NaN : totals.getDouble(3));
    metrics.put("max_abs_error", n == 0 ? Double.NaN : totals.getDouble(4));
    metrics.put("test_rows", (double) n);
    if (n == 0) {
      return new Evaluation("regression", metrics, List.of(), List.of(), Optional.empty(),
          Optional.of(new Evaluation.Residuals(List.of(), List.of())));
    }
    double low = totals.getDouble(6);
    double high = totals.getDouble(7);
    return new Evaluation("regression", metrics, List.of(), List.of(), Optional.empty(),
        Optional.of(new Evaluation.Residuals(histogram(scored, residual, low, high), sample(scored))));
  }

  private static List<Evaluation.Bin> histogram(Dataset<Row> scored, Column residual, double low, double high) {
    int bins = low == high ? 1 : BINS;
    double width = low == high ? 1 : (high - low) / bins;
    long[] counts = new long[bins];
    for (Row r : scored.groupBy(least(floor(residual.minus(low).divide(width)), lit(bins - 1)).cast("int")
        .as("bin")).count().collectAsList()) {
      counts[Math.max(0, Math.min(bins - 1, r.getInt(0)))] += r.getLong(1);
    }
    List<Evaluation.Bin> histogram = new ArrayList<>();
    for (int i = 0; i < bins; i++) {
      histogram.add(new Evaluation.Bin(low + i * width, i == bins - 1 ? Math.max(high, low + width * i)
          : low + (i + 1) * width, counts[i]));
    }
    return histogram;
  }

  /** The rows with the smallest hash of their (actual, predicted) values: the same sample on any partitioning. */
  private static List<Evaluation.Point> sample(Dataset<Row> scored) {
    List<Evaluation.Point> points = new ArrayList<>();
    scored.orderBy(xxhash64(lit(17L), col("y"), col("yhat")), col("y"), col("yhat"))
        .limit(Evaluation.SCATTER_POINTS).collectAsList()
        .forEach(r -> points.add(new Evaluation.Point(r.getDouble(0), r.getDouble(1))));
    return points;
  }
}
