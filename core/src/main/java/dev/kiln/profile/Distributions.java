package dev.kiln.profile;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.dense_rank;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.kiln.profile.Profile.Bin;
import dev.kiln.profile.Profile.ValueCount;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * The profile's second pass: histograms of numeric columns, top values of categorical ones, and the cross-counts
 * with the label that associations need, all from one grouped aggregation.
 *
 * <p>Each row is stacked into one cell per profiled column, {@code (column, key, x)}: the key is the histogram bin
 * (bounds from the first pass's min and max) or the value itself. Cells are counted per (column, key, label class)
 * with the sums of the label and of {@code x}; a rank by count then keeps every bin and the top values of each
 * categorical column and lumps the rest into one "other" group per column, so what reaches the driver is small
 * however many distinct values a column has.
 */
final class Distributions {

  /**
   * A column to count: its index in the table, its value as a key, and its numeric value.
   *
   * @param binned true for histogram bins (all kept), false for values (top values kept)
   */
  record Target(int column, Column key, Column x, boolean binned) {

    /** Equal-width bins over {@code [min, max]}; a constant column gets one bin. */
    static Target histogram(int column, Column finite, double min, double max, int bins) {
      double width = (max - min) / bins;
      // `least` skips nulls, so the null of a missing value must be kept outside it.
      Column bin = when(finite.isNotNull(), width == 0 ? lit(0)
          : least(floor(finite.minus(lit(min)).divide(lit(width))), lit(bins - 1)));
      return new Target(column, bin.cast("string"), finite, true);
    }

    static Target values(int column, Column value) {
      return new Target(column, value.cast("string"), lit(null).cast("double"), false);
    }
  }

  /**
   * The label as the cells see it.
   *
   * @param classKey the label's class as a string when it has few classes, else null
   * @param y the label as a finite double when it is numeric, else null
   */
  record LabelView(Column classKey, Column y) {
    static final LabelView NONE = new LabelView(lit(null).cast("string"), lit(null).cast("double"));
  }

  /**
   * Counts of one (column, key, label class): {@code key} is null for the "other" group.
   *
   * @param n cells; {@code ny}, {@code sy}, {@code syy}: non-null labels, their sum and sum of squares;
   *     {@code sx}, {@code sxx}: the sum and sum of squares of the column's numeric values
   */
  record Cell(int column, String key, String labelClass, long n, long ny, double sy, double syy, double sx,
      double sxx) {

    boolean other() {
      return key == null;
    }
  }

  private Distributions() {}

  /** Runs the pass; {@code topValues} is how many values per categorical column keep their own group. */
  static List<Cell> run(Dataset<Row> rows, List<Target> targets, LabelView label, int topValues) {
    if (targets.isEmpty()) {
      return List.of();
    }
    Column[] cells = targets.stream().map(t -> struct(lit(t.column()).as("f"), t.key().as("key"),
        t.x().cast("double").as("x"), lit(t.binned()).as("binned"))).toArray(Column[]::new);
    Dataset<Row> stacked = rows.select(explode(array(cells)).as("c"), label.classKey().as("lk"), label.y().as("y"))
        .select(col("c.f").as("f"), col("c.key").as("key"), col("c.x").as("x"), col("c.binned").as("binned"),
            col("lk"), col("y"))
        .where(col("key").isNotNull());
    Column y = col("y");
    Column x = col("x");
    // Repartitioning by column once lets the window by (column, key), the rank within a column and the final
    // grouping all run without another shuffle.
    Dataset<Row> grouped = stacked.groupBy("f", "binned", "key", "lk")
        .agg(count(lit(1)).as("n"), count(y).as("ny"), sum(y).as("sy"), sum(y.multiply(y)).as("syy"),
            sum(x).as("sx"), sum(x.multiply(x)).as("sxx"))
        .repartition(col("f"));
    Dataset<Row> ranked = grouped
        .withColumn("total", sum("n").over(Window.partitionBy("f", "key")))
        .withColumn("rank", dense_rank().over(Window.partitionBy("f").orderBy(col("total").desc(), col("key"))));
    Column kept = col("binned").or(col("rank").leq(topValues));
    List<Row> collected = ranked
        .select(col("f"), when(kept, col("key")).as("key"), not(kept).as("other"), col("lk"), col("n"), col("ny"),
            col("sy"), col("syy"), col("sx"), col("sxx"))
        .groupBy("f", "other", "key", "lk")
        .agg(sum("n"), sum("ny"), sum("sy"), sum("syy"), sum("sx"), sum("sxx"))
        .collectAsList();
    List<Cell> result = new ArrayList<>();
    for (Row r : collected) {
      result.add(new Cell(r.getInt(0), r.isNullAt(2) ? null : r.getString(2), r.isNullAt(3) ? null : r.getString(3),
          r.getLong(4), r.getLong(5), orZero(r, 6), orZero(r, 7), orZero(r, 8), orZero(r, 9)));
    }
    return result;
  }

  /** The histogram of one binned column: every bin, empty ones included. */
  static List<Bin> histogram(List<Cell> cells, double min, double max, int bins) {
    int count = max == min ? 1 : bins;
    long[] counts = new long[count];
    for (Cell cell : cells) {
      counts[Integer.parseInt(cell.key())] += cell.n();
    }
    double width = (max - min) / count;
    List<Bin> histogram = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      // The last bound is max itself, not min + bins * width, which rounding can leave just below it.
      histogram.add(new Bin(min + i * width, i == count - 1 ? max : min + (i + 1) * width, counts[i]));
    }
    return histogram;
  }

  /** The top values of one column, most frequent first (ties by value), and the count of all other values. */
  static TopValues topValues(List<Cell> cells) {
    Map<String, Long> counts = new LinkedHashMap<>();
    long other = 0;
    for (Cell cell : cells) {
      if (cell.other()) {
        other += cell.n();
      } else {
        counts.merge(cell.key(), cell.n(), Long::sum);
      }
    }
    List<ValueCount> top = counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .map(e -> new ValueCount(e.getKey(), e.getValue())).toList();
    return new TopValues(top, other);
  }

  record TopValues(List<ValueCount> values, long other) {}

  /** The cells of column {@code column}. */
  static List<Cell> of(List<Cell> cells, int column) {
    return cells.stream().filter(c -> c.column() == column).toList();
  }

  private static double orZero(Row row, int index) {
    return row.isNullAt(index) ? 0.0 : row.getDouble(index);
  }
}
