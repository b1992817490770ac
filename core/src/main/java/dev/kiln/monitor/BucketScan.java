package dev.kiln.monitor;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.dense_rank;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;

/**
 * The Spark passes behind drift, each over every column at once, so the number of Spark jobs does not grow with the
 * columns (as the profiler's passes, see {@code dev.kiln.profile.SparkProfiler}):
 *
 * <ol>
 *   <li>{@link #quantiles}: one aggregation, the approximate quantiles of every numeric column (baselines only: a
 *       recent window is counted in the buckets its baseline fixed);</li>
 *   <li>{@link #count}: one grouped aggregation, every column's values counted per (day, bucket). Each row is
 *       stacked into one cell per column, {@code (column, key)}, the key being a numeric value's bucket or a
 *       categorical value itself; after counting, categorical values beyond those of the buckets are ranked and all
 *       but the top few lumped into one "other" cell, so what reaches the driver stays small however many distinct
 *       values a column has.</li>
 * </ol>
 */
final class BucketScan {

  /** The day of counts not split by day (a baseline's). */
  static final LocalDate UNDATED = LocalDate.MIN;

  /** {@code percentile_approx}'s accuracy: a relative rank error of 1/10,000. */
  static final int QUANTILE_ACCURACY = 10_000;

  /**
   * A column to count.
   *
   * @param present where a row belongs to this column's side (a baseline counts training rows for inputs and
   *     held-out rows for predictions in one pass)
   * @param value numeric: the value as a finite double, else null; categorical: the value as text, else null
   */
  record Target(String name, Buckets.Kind kind, Column present, Column value) {}

  /**
   * One counted cell.
   *
   * @param key the bucket's number (numeric) or the value (categorical); null for missing values and for the
   *     lumped "other" values
   */
  record Cell(LocalDate day, int target, String key, boolean missing, boolean other, long n) {}

  private BucketScan() {}

  /**
   * The probabilities at which a baseline takes its quantiles: every percentile from 0 to 1 (the KS statistic's
   * points) and {@code i / bins} (the PSI bins' edges).
   */
  static List<Double> quantileGrid(int bins) {
    TreeSet<Double> grid = new TreeSet<>();
    for (int i = 0; i <= 100; i++) {
      grid.add(i / 100.0);
    }
    for (int i = 1; i < bins; i++) {
      grid.add((double) i / bins);
    }
    return List.copyOf(grid);
  }

  /** The value of a numeric column as a finite double: null where it is null, NaN or infinite. */
  static Column finite(Column value, DataType type) {
    if (type instanceof DoubleType || type instanceof FloatType) {
      Column nonFinite = isnan(value).or(value.equalTo(lit(Double.POSITIVE_INFINITY)))
          .or(value.equalTo(lit(Double.NEGATIVE_INFINITY)));
      return when(not(nonFinite), value.cast("double"));
    }
    return value.cast("double");
  }

  /**
   * Pass 1: per numeric target, its quantiles at {@code probabilities} over the rows where it is present; an empty
   * list for a target without a value.
   */
  static List<List<Double>> quantiles(Dataset<Row> rows, List<Target> numeric, List<Double> probabilities) {
    if (numeric.isEmpty()) {
      return List.of();
    }
    Column grid = array(probabilities.stream().map(p -> lit(p)).toArray(Column[]::new));
    Column[] aggregations = numeric.stream()
        .map(t -> percentile_approx(when(t.present(), t.value()), grid, lit(QUANTILE_ACCURACY)))
        .toArray(Column[]::new);
    Row row = rows.agg(aggregations[0], java.util.Arrays.copyOfRange(aggregations, 1, aggregations.length)).head();
    List<List<Double>> quantiles = new ArrayList<>();
    for (int i = 0; i < numeric.size(); i++) {
      quantiles.add(row.isNullAt(i) ? List.of() : List.copyOf(row.<Double>getList(i)));
    }
    return quantiles;
  }

  /** The buckets of a numeric column from its quantiles at {@link #quantileGrid}{@code (bins)}. */
  static Buckets numericBuckets(List<Double> quantiles, int bins) {
    if (quantiles.isEmpty()) {
      return Buckets.numeric(List.of(), List.of());
    }
    List<Double> grid = quantileGrid(bins);
    TreeSet<Double> edges = new TreeSet<>(quantiles);
    TreeSet<Double> binEdges = new TreeSet<>();
    for (int i = 1; i < bins; i++) {
      binEdges.add(quantiles.get(grid.indexOf((double) i / bins)));
    }
    return Buckets.numeric(List.copyOf(edges), List.copyOf(binEdges));
  }

  /**
   * Pass 2: the cells of every target per day.
   *
   * @param day the rows' day (a date column), or a null date literal for counts not split by day
   * @param buckets per target: its buckets, or null for a categorical target whose values are to be found (a
   *     baseline's: its top {@code namedValues} are named)
   * @param namedValues per categorical target, how many values outside its buckets' own keep a cell of their own
   *     (the most frequent over all days); the rest are lumped into one "other" cell per day
   */
  static List<Cell> count(Dataset<Row> rows, Column day, List<Target> targets, List<Buckets> buckets,
      int namedValues) {
    // Each value is computed once, before the bucket comparisons refer to it many times.
    List<Column> values = new ArrayList<>(List.of(day.as("day")));
    for (int t = 0; t < targets.size(); t++) {
      values.add(targets.get(t).present().as("p" + t));
      values.add(targets.get(t).value().as("v" + t));
    }
    List<Column> cells = new ArrayList<>();
    for (int t = 0; t < targets.size(); t++) {
      Buckets known = buckets.get(t);
      Column value = col("v" + t);
      Column key;
      Column inBuckets;
      if (targets.get(t).kind() == Buckets.Kind.NUMERIC) {
        key = bucketOf(value, known.edges()).cast("string");
        inBuckets = lit(true);
      } else {
        key = value;
        inBuckets = known == null || known.values().isEmpty() ? lit(false)
            : value.isin(known.values().toArray());
      }
      cells.add(when(col("p" + t), struct(lit(t).as("t"), key.as("key"), value.isNull().as("missing"),
          inBuckets.as("known"))));
    }
    Dataset<Row> stacked = rows.select(values.toArray(Column[]::new))
        .select(col("day"), explode(array(cells.toArray(Column[]::new))).as("c"))
        .where(col("c").isNotNull())
        .select(col("day"), col("c.t").as("t"), when(not(col("c.missing")), col("c.key")).as("key"),
            col("c.missing").as("missing"), col("c.known").as("known"));
    Dataset<Row> grouped = stacked.groupBy("day", "t", "key", "missing", "known").agg(org.apache.spark.sql.functions.count(lit(1)).as("n"))
        // One shuffle by column serves the windows and the final grouping.
        .repartition(col("t"));
    // Values outside the buckets first (known sorts after them), most frequent over all days first.
    Dataset<Row> ranked = grouped
        .withColumn("total", sum("n").over(Window.partitionBy("t", "key")))
        .withColumn("rank", dense_rank().over(Window.partitionBy("t")
            .orderBy(col("missing"), col("known"), col("total").desc(), col("key"))));
    Column kept = col("missing").or(col("known")).or(col("rank").leq(namedValues));
    List<Row> collected = ranked
        .select(col("day"), col("t"), when(kept, col("key")).as("key"), col("missing"), not(kept).as("other"),
            col("n"))
        .groupBy("day", "t", "key", "missing", "other").agg(sum("n"))
        .collectAsList();
    List<Cell> result = new ArrayList<>();
    for (Row r : collected) {
      result.add(new Cell(r.isNullAt(0) ? UNDATED : localDate(r.get(0)), r.getInt(1),
          r.isNullAt(2) ? null : r.getString(2), r.getBoolean(3), r.getBoolean(4), r.getLong(5)));
    }
    return result;
  }

  /**
   * The bucket of a non-null value: the number of edges below it, as a balanced tree of comparisons (about
   * log2(edges) per value, and no UDF, so it stays in Spark's generated code).
   */
  static Column bucketOf(Column value, List<Double> edges) {
    return search(value, edges, 0, edges.size());
  }

  private static Column search(Column value, List<Double> edges, int low, int high) {
    if (low == high) {
      return lit(low);
    }
    int middle = (low + high) >>> 1;
    return when(value.leq(lit(edges.get(middle))), search(value, edges, low, middle))
        .otherwise(search(value, edges, middle + 1, high));
  }

  /** The values of a categorical target found by a baseline's pass, most frequent first (ties by value). */
  static List<String> namedValues(List<Cell> cells, int target) {
    Map<String, Long> totals = new HashMap<>();
    cells.stream().filter(c -> c.target() == target && c.key() != null && !c.other())
        .forEach(c -> totals.merge(c.key(), c.n(), Long::sum));
    return totals.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .map(Map.Entry::getKey).toList();
  }

  /**
   * Per day, the state of target {@code target} over {@code buckets}; days in order. A categorical value outside the
   * buckets' own counts in the last bucket, and, if it kept its own cell, is named among the unseen values.
   */
  static TreeMap<LocalDate, BucketCounts> states(List<Cell> cells, int target, Buckets buckets) {
    Map<LocalDate, long[]> counts = new LinkedHashMap<>();
    Map<LocalDate, long[]> missing = new LinkedHashMap<>();
    Map<LocalDate, Map<String, Long>> unseen = new LinkedHashMap<>();
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < buckets.values().size(); i++) {
      index.put(buckets.values().get(i), i);
    }
    for (Cell cell : cells) {
      if (cell.target() != target) {
        continue;
      }
      long[] perBucket = counts.computeIfAbsent(cell.day(), d -> new long[buckets.size()]);
      missing.computeIfAbsent(cell.day(), d -> new long[1]);
      if (cell.missing()) {
        missing.get(cell.day())[0] += cell.n();
      } else if (buckets.numeric()) {
        perBucket[Integer.parseInt(cell.key())] += cell.n();
      } else if (!cell.other() && index.containsKey(cell.key())) {
        perBucket[index.get(cell.key())] += cell.n();
      } else {
        perBucket[buckets.size() - 1] += cell.n();
        if (!cell.other()) {
          unseen.computeIfAbsent(cell.day(), d -> new LinkedHashMap<>()).merge(cell.key(), cell.n(), Long::sum);
        }
      }
    }
    TreeMap<LocalDate, BucketCounts> states = new TreeMap<>();
    counts.forEach((day, perBucket) -> {
      long present = java.util.Arrays.stream(perBucket).sum();
      long absent = missing.get(day)[0];
      states.put(day, new BucketCounts(present + absent, absent,
          java.util.Arrays.stream(perBucket).boxed().toList(), sortedByCount(unseen.getOrDefault(day, Map.of()))));
    });
    return states;
  }

  private static Map<String, Long> sortedByCount(Map<String, Long> values) {
    Map<String, Long> sorted = new LinkedHashMap<>();
    values.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .forEach(e -> sorted.put(e.getKey(), e.getValue()));
    return sorted;
  }

  /** A date as Spark returns it: {@code java.sql.Date}, or {@code LocalDate} with the Java 8 time API on. */
  static LocalDate localDate(Object value) {
    return value instanceof LocalDate date ? date : ((java.sql.Date) value).toLocalDate();
  }

  /** The states of every day merged: a window's. */
  static BucketCounts merged(Map<LocalDate, BucketCounts> byDay, int buckets) {
    return byDay.values().stream().reduce(BucketCounts.empty(buckets), BucketCounts::merge);
  }
}
