package dev.kiln.profile;

import static org.apache.spark.sql.functions.approx_count_distinct;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.stddev_samp;
import static org.apache.spark.sql.functions.when;

import dev.kiln.profile.Profile.LengthRange;
import dev.kiln.profile.Profile.Quantile;
import dev.kiln.profile.Profile.ValueRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * The profiler's analyzers. Each is a few aggregate expressions over one column (or a pair) and the reading of their
 * values; every one of them is empty-safe: on no rows, counts are 0 and the rest is absent or NaN.
 */
public final class Analyzers {

  private Analyzers() {}

  /** A metric that is one aggregate giving a long, read as it is: the counts. */
  public record LongMetric(Column aggregation) implements Analyzer<Long> {
    @Override
    public List<Column> aggregations() {
      return List.of(aggregation);
    }

    @Override
    public Long result(Row row, int offset) {
      return row.getLong(offset);
    }
  }

  /** Rows in the table. */
  public static LongMetric size() {
    return new LongMetric(count(lit(1)));
  }

  /** Rows where {@code condition} holds (not where it is null). */
  public static LongMetric countWhere(Column condition) {
    // count() skips the nulls `when` yields where the condition fails, and gives 0 (not null) on no rows.
    return new LongMetric(count(when(condition, 1)));
  }

  /** Distinct non-null values, by HyperLogLog++ with a relative standard deviation of 5%. */
  public static LongMetric approxDistinct(Column value) {
    return new LongMetric(approx_count_distinct(value));
  }

  /** Min, max, mean and sample standard deviation of the non-null values of a double column; absent on none. */
  public record Moments(Column value) implements Analyzer<Optional<Moments.Result>> {

    /** @param stddev NaN for a single value */
    public record Result(long count, double min, double max, double mean, double stddev) {}

    @Override
    public List<Column> aggregations() {
      return List.of(count(value), min(value), max(value), avg(value), stddev_samp(value));
    }

    @Override
    public Optional<Result> result(Row row, int offset) {
      long n = row.getLong(offset);
      return n == 0 ? Optional.empty() : Optional.of(new Result(n, row.getDouble(offset + 1),
          row.getDouble(offset + 2), row.getDouble(offset + 3), doubleOrNaN(row, offset + 4)));
    }
  }

  /** Approximate quantiles of a double column ({@code percentile_approx}); empty on no values. */
  public record ApproxQuantiles(Column value, List<Double> probabilities, int accuracy)
      implements Analyzer<List<Quantile>> {

    public ApproxQuantiles {
      probabilities = List.copyOf(probabilities);
    }

    @Override
    public List<Column> aggregations() {
      return List.of(percentile_approx(value, array(probabilities.stream().map(p -> lit(p)).toArray(Column[]::new)),
          lit(accuracy)));
    }

    @Override
    public List<Quantile> result(Row row, int offset) {
      if (row.isNullAt(offset)) {
        return List.of();
      }
      List<Double> values = row.getList(offset);
      List<Quantile> quantiles = new ArrayList<>();
      for (int i = 0; i < probabilities.size(); i++) {
        quantiles.add(new Quantile(probabilities.get(i), values.get(i)));
      }
      return quantiles;
    }
  }

  /** The least and greatest value, rendered as Spark casts them to strings; absent on no values. */
  public record Range(Column value) implements Analyzer<Optional<ValueRange>> {
    @Override
    public List<Column> aggregations() {
      return List.of(min(value).cast("string"), max(value).cast("string"));
    }

    @Override
    public Optional<ValueRange> result(Row row, int offset) {
      return row.isNullAt(offset) ? Optional.empty()
          : Optional.of(new ValueRange(row.getString(offset), row.getString(offset + 1)));
    }
  }

  /** The shortest and longest string, in characters; absent on no values. */
  public record Lengths(Column value) implements Analyzer<Optional<LengthRange>> {
    @Override
    public List<Column> aggregations() {
      return List.of(min(length(value)), max(length(value)));
    }

    @Override
    public Optional<LengthRange> result(Row row, int offset) {
      return row.isNullAt(offset) ? Optional.empty()
          : Optional.of(new LengthRange(row.getInt(offset), row.getInt(offset + 1)));
    }
  }

  /**
   * Pearson's correlation of every pair of double columns, each over the rows where both are non-null (Deequ's
   * Correlation analyzer, for all pairs in one aggregate: see {@link PairwiseMoments}).
   */
  public record PearsonPairs(List<Column> columns) implements Analyzer<PearsonPairs.Result> {

    public PearsonPairs {
      columns = List.copyOf(columns);
      if (columns.size() < 2) {
        throw new IllegalArgumentException("pairs need two columns, not " + columns.size());
      }
    }

    /** @param r and {@code n}: the upper triangle, row by row */
    public record Result(int size, List<Double> r, List<Long> n) {

      /** The correlation of columns {@code i} and {@code j}: 1 on the diagonal. */
      public double value(int i, int j) {
        return i == j ? 1.0 : r.get(pair(i, j));
      }

      /** The rows in which both columns have a value ({@code i != j}). */
      public long rows(int i, int j) {
        return n.get(pair(i, j));
      }

      private int pair(int i, int j) {
        int a = Math.min(i, j);
        int b = Math.max(i, j);
        // Pairs before row a of the triangle, then the offset within it.
        return a * size - a * (a + 1) / 2 + (b - a - 1);
      }
    }

    @Override
    public List<Column> aggregations() {
      return List.of(functions.udaf(new PairwiseMoments(columns.size()), PairwiseMoments.input(columns.size()))
          .apply(columns.toArray(Column[]::new)));
    }

    @Override
    public Result result(Row row, int offset) {
      Row result = row.getStruct(offset);
      return new Result(columns.size(), result.getList(0), result.getList(1));
    }
  }

  /** Spark gives null where statistics are undefined (a divide by zero); the profile says NaN. */
  static double doubleOrNaN(Row row, int index) {
    return row.isNullAt(index) ? Double.NaN : row.getDouble(index);
  }
}
