package dev.kiln.profile;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.dense_rank;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.kiln.profile.Profile.Bin;
import dev.kiln.profile.Profile.ValueCount;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.expressions.Window;

/**
 * The profile's second pass: histograms of numeric columns, top values of categorical ones, and the cross-counts
 * with the label that associations need, all from one grouped aggregation.
 *
 * <p>Each row holds one cell per profiled column, {@code (column, key, x)}: the key is the histogram bin (bounds from
 * the first pass's min and max) or the value itself. Each partition counts its cells per (column, key, label class),
 * with the sums of the label and of {@code x}, in a hash map ({@link CellCounter}), so only those partial counts are
 * shuffled and merged; a rank by count then keeps every bin and the top values of each categorical column and lumps
 * the rest into one "other" group per column, so what reaches the driver is small however many distinct values a
 * column has.
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
      return new Target(column, bin.cast("int"), finite, true);
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
    // One column per target for the key (an int bin or a string value) and one for x, then the label's two.
    List<Column> projection = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      Target t = targets.get(i);
      projection.add(t.key().as("k" + i));
      projection.add(t.x().cast("double").as("x" + i));
    }
    projection.add(label.classKey().as("lk"));
    projection.add(label.y().as("y"));
    Dataset<Row> projected = rows.select(projection.toArray(Column[]::new));
    int[] columns = targets.stream().mapToInt(Target::column).toArray();
    boolean[] binned = new boolean[targets.size()];
    for (int i = 0; i < binned.length; i++) {
      binned[i] = targets.get(i).binned();
    }
    // Counting cells in a hash map per partition, rather than stacking every row into one row per target and
    // letting Spark group those, is what makes this pass cheap: only the partial counts reach the shuffle.
    Dataset<Row> partial = projected.mapPartitions(new CellCounter(columns, binned), Encoders.row(PARTIAL));
    // Repartitioning by column once lets the window by (column, key), the rank within a column and the final
    // grouping all run without another shuffle.
    Dataset<Row> grouped = partial.groupBy("f", "binned", "key", "lk")
        .agg(sum("n").as("n"), sum("ny").as("ny"), sum("sy").as("sy"), sum("syy").as("syy"), sum("sx").as("sx"),
            sum("sxx").as("sxx"))
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

  /** The rows {@link CellCounter} emits: one (column, key, label class)'s partial counts and sums. */
  private static final StructType PARTIAL = new StructType()
      .add("f", DataTypes.IntegerType, false)
      .add("binned", DataTypes.BooleanType, false)
      .add("key", DataTypes.StringType, false)
      .add("lk", DataTypes.StringType, true)
      .add("n", DataTypes.LongType, false)
      .add("ny", DataTypes.LongType, false)
      .add("sy", DataTypes.DoubleType, false)
      .add("syy", DataTypes.DoubleType, false)
      .add("sx", DataTypes.DoubleType, false)
      .add("sxx", DataTypes.DoubleType, false);

  /**
   * Counts one partition's cells in a hash map and emits each (column, key, label class) once with its partial
   * counts and sums; they are merged across partitions by the grouping that follows. When the map holds
   * {@link #FLUSH_AT} cells (a column with very many distinct values) it is emitted and emptied, which bounds the
   * memory a partition needs without changing any total.
   *
   * <p>Input rows are {@code (k0, x0, k1, x1, ..., lk, y)}: target {@code i}'s key (a null key is no cell) and
   * numeric value, the label's class and its numeric value.
   */
  static final class CellCounter implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    static final int FLUSH_AT = 1 << 17;

    private final int[] columns;
    private final boolean[] binned;

    CellCounter(int[] columns, boolean[] binned) {
      this.columns = columns.clone();
      this.binned = binned.clone();
    }

    /** A cell: target index, key (an Integer bin or a String value) and label class (or null). */
    private record Key(int target, Object key, String labelClass) {}

    /** Mutable partial sums of one cell; a null {@code y} or {@code x} adds nothing to its sums. */
    private static final class Sums {
      long n;
      long ny;
      double sy;
      double syy;
      double sx;
      double sxx;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
      int targets = columns.length;
      return new Iterator<>() {
        private final Map<Key, Sums> cells = new HashMap<>();
        private Iterator<Map.Entry<Key, Sums>> out = Collections.emptyIterator();

        @Override
        public boolean hasNext() {
          if (out.hasNext()) {
            return true;
          }
          cells.clear();
          while (input.hasNext() && cells.size() < FLUSH_AT) {
            count(input.next());
          }
          out = cells.entrySet().iterator();
          return out.hasNext();
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          Map.Entry<Key, Sums> e = out.next();
          Key k = e.getKey();
          Sums s = e.getValue();
          return RowFactory.create(columns[k.target()], binned[k.target()], String.valueOf(k.key()),
              k.labelClass(), s.n, s.ny, s.sy, s.syy, s.sx, s.sxx);
        }

        private void count(Row row) {
          String labelClass = row.isNullAt(2 * targets) ? null : row.getString(2 * targets);
          boolean hasY = !row.isNullAt(2 * targets + 1);
          double y = hasY ? row.getDouble(2 * targets + 1) : 0.0;
          for (int i = 0; i < targets; i++) {
            Object key = row.get(2 * i);
            if (key == null) {
              continue;
            }
            Sums s = cells.computeIfAbsent(new Key(i, key, labelClass), k -> new Sums());
            s.n++;
            if (hasY) {
              s.ny++;
              s.sy += y;
              s.syy += y * y;
            }
            if (!row.isNullAt(2 * i + 1)) {
              double x = row.getDouble(2 * i + 1);
              s.sx += x;
              s.sxx += x * x;
            }
          }
        }
      };
    }
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
