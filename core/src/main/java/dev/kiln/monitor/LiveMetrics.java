package dev.kiln.monitor;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.kiln.errors.ConfigProblem;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.errors.InvalidInputException;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.storage.StorageLevel;

/**
 * How a version does on its recent predictions once their labels are known: the predictions joined to a labels
 * table by id, then, per day and for the whole window, the metrics the registry holds for its held-out split under
 * the same names, so the two compare directly:
 *
 * <ul>
 *   <li>binary: {@code accuracy}; with class probabilities also {@code log_loss} ({@code −ln max(p(actual),
 *       1e-15)}, as {@code dev.kiln.evaluate} clips it) and {@code auc_roc} (exact: the Mann–Whitney statistic
 *       with ties counted half, which is the trapezoidal area under Spark's exact ROC curve);</li>
 *   <li>multiclass: {@code accuracy} (the predicted label against a text label, else the predicted class number);</li>
 *   <li>regression: {@code rmse} and {@code mae}.</li>
 * </ul>
 *
 * Two Spark jobs whatever the number of days: one aggregation for the counts, one for the AUC. A row whose id has
 * no label, or whose label is null, is not counted; an id labelled twice takes its greatest label.
 *
 * @param days per day of the window with labelled rows
 * @param window the whole window
 */
public record LiveMetrics(SortedMap<LocalDate, Day> days, Day window) {

  /** Metrics where higher is better: a drop is {@code registered − live}. */
  public static final List<String> SCORES = List.of("auc_roc", "accuracy");
  /** Metrics where lower is better: a drop is {@code (live − registered) / registered}. */
  public static final List<String> ERRORS = List.of("log_loss", "rmse", "mae");

  /** The smallest probability log loss takes the log of (Spark's evaluator's clipping, and Kiln's). */
  static final double LOG_LOSS_EPSILON = 1e-15;

  /** The labelled rows of one day (or of the window) and the metrics measured on them, in a stable order. */
  public record Day(long rows, Map<String, Double> metrics) {}

  /** Labelled rows in the window. */
  public long rows() {
    return window.rows();
  }

  /**
   * A labels table (Delta, else Parquet) as {@code _lid} (the id as text) and {@code _label}, one row per id.
   *
   * @throws InvalidInputException if it does not exist or lacks a column, naming it and the key that sets it
   */
  public static Dataset<Row> labels(SparkSession spark, String table, String idColumn, String labelColumn) {
    Dataset<Row> rows = RecentData.readTable(spark, table);
    for (String[] column : new String[][] {{idColumn, "monitoring.labels.id-column"},
        {labelColumn, "monitoring.labels.label-column"}}) {
      if (!Arrays.asList(rows.columns()).contains(column[0])) {
        throw new InvalidInputException("the labels table " + table + " has no column '" + column[0] + "' ("
            + column[1] + "; its columns: " + String.join(", ", rows.columns()) + ")");
      }
    }
    return rows.groupBy(col(RecentData.quoted(idColumn)).cast("string").as("_lid"))
        .agg(max(col(RecentData.quoted(labelColumn))).as("_label"));
  }

  /**
   * Measures {@code recent} against {@code labels} (as {@link #labels} gives them).
   *
   * @param task {@code binary}, {@code multiclass} or {@code regression}
   * @throws InvalidConfigException if the recent rows have no id to join on (a scored table without
   *     {@code monitoring.labels.id-column})
   */
  public static LiveMetrics measure(RecentData recent, Dataset<Row> labels, String task) {
    if (recent.idColumn().isEmpty()) {
      throw new InvalidConfigException(List.of(new ConfigProblem("(not set)", "monitoring.labels.id-column",
          "is required to join labels to a scored table: name the id column it carries, e.g. customer_id")));
    }
    boolean textLabel = labels.schema().apply("_label").dataType() instanceof StringType;
    Dataset<Row> labelled = recent.frame().join(labels, col(RecentData.ID).equalTo(col("_lid")))
        .where(col("_label").isNotNull())
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Column y = col("_label").cast("double");
      Column prediction = col(RecentData.PREDICTION);
      Column correct = switch (task) {
        case "multiclass" -> textLabel ? coalesce(col(RecentData.PREDICTED_LABEL), prediction.cast("string"))
            .equalTo(col("_label")) : prediction.equalTo(y);
        case "binary" -> prediction.equalTo(y);
        default -> lit(false);
      };
      Column p = col(RecentData.POSITIVE);
      Column loss = "binary".equals(task) ? log(greatest(when(y.equalTo(1.0), p).otherwise(lit(1.0).minus(p)),
          lit(LOG_LOSS_EPSILON))).unary_$minus() : lit(null).cast("double");
      Column error = "regression".equals(task) ? prediction.minus(y) : lit(null).cast("double");
      List<Row> perDay = labelled.groupBy(col(RecentData.DAY)).agg(count(lit(1)),
          count(when(correct, 1)), sum(loss), count(loss), sum(error.multiply(error)), sum(abs(error)),
          count(error)).collectAsList();
      SortedMap<LocalDate, Tally> tallies = new TreeMap<>();
      for (Row r : perDay) {
        tallies.put(BucketScan.localDate(r.get(0)), new Tally(r.getLong(1), r.getLong(2), orZero(r, 3),
            r.getLong(4), orZero(r, 5), orZero(r, 6), r.getLong(7)));
      }
      Map<LocalDate, Double> auc = "binary".equals(task) && recent.hasProbability() ? auc(labelled, y) : Map.of();
      SortedMap<LocalDate, Day> days = new TreeMap<>();
      tallies.forEach((day, tally) -> days.put(day, tally.day(task, auc.get(day))));
      Tally all = tallies.values().stream().reduce(Tally.NONE, Tally::merge);
      return new LiveMetrics(days, all.day(task, auc.get(BucketScan.UNDATED)));
    } finally {
      labelled.unpersist();
    }
  }

  /**
   * The AUC per day and (under {@link BucketScan#UNDATED}) for the window, in one job: positives and negatives per
   * distinct score, then {@code Σ pos(s) · (neg(< s) + neg(s) / 2) / (P · N)}.
   */
  private static Map<LocalDate, Double> auc(Dataset<Row> labelled, Column y) {
    Dataset<Row> scored = labelled.where(col(RecentData.POSITIVE).isNotNull())
        .select(col(RecentData.DAY).as("day"), col(RecentData.POSITIVE).as("score"), y.as("y"));
    Column positives = sum(when(col("y").equalTo(1.0), 1L).otherwise(0L)).as("pos");
    Column negatives = sum(when(col("y").equalTo(1.0), 0L).otherwise(1L)).as("neg");
    Dataset<Row> byScore = scored.groupBy("day", "score").agg(positives, negatives)
        .unionByName(scored.groupBy("score").agg(positives, negatives).withColumn("day", lit(null).cast("date")));
    Column negativesBelow = coalesce(sum("neg").over(Window.partitionBy("day").orderBy("score")
        .rowsBetween(Window.unboundedPreceding(), -1)), lit(0L));
    List<Row> parts = byScore.withColumn("below", negativesBelow)
        .groupBy("day").agg(sum(col("pos").multiply(col("below").plus(col("neg").divide(2.0)))), sum("pos"),
            sum("neg"))
        .collectAsList();
    Map<LocalDate, Double> auc = new LinkedHashMap<>();
    for (Row r : parts) {
      long pos = r.getLong(2);
      long neg = r.getLong(3);
      auc.put(r.isNullAt(0) ? BucketScan.UNDATED : BucketScan.localDate(r.get(0)),
          pos == 0 || neg == 0 ? Double.NaN : r.getDouble(1) / ((double) pos * neg));
    }
    return auc;
  }

  /** The sums the scalar metrics come from; sums add, so a window's tally is its days' merged. */
  private record Tally(long rows, long correct, double lossSum, long lossRows, double squaredErrors,
      double absoluteErrors, long errorRows) {

    static final Tally NONE = new Tally(0, 0, 0, 0, 0, 0, 0);

    Tally merge(Tally other) {
      return new Tally(rows + other.rows, correct + other.correct, lossSum + other.lossSum,
          lossRows + other.lossRows, squaredErrors + other.squaredErrors, absoluteErrors + other.absoluteErrors,
          errorRows + other.errorRows);
    }

    Day day(String task, Double auc) {
      Map<String, Double> metrics = new LinkedHashMap<>();
      if ("regression".equals(task)) {
        if (errorRows > 0) {
          metrics.put("rmse", Math.sqrt(squaredErrors / errorRows));
          metrics.put("mae", absoluteErrors / errorRows);
        }
      } else {
        if (auc != null && !auc.isNaN()) {
          metrics.put("auc_roc", auc);
        }
        if (rows > 0) {
          metrics.put("accuracy", (double) correct / rows);
        }
        if (lossRows > 0) {
          metrics.put("log_loss", lossSum / lossRows);
        }
      }
      return new Day(rows, metrics);
    }
  }

  private static double orZero(Row row, int index) {
    return row.isNullAt(index) ? 0.0 : row.getDouble(index);
  }

}
