package dev.kiln.profile;

import java.util.List;
import java.util.Optional;

/**
 * What {@link Profiler} found in a table. Immutable; built by a profiler or read back by {@link ProfileStore}.
 *
 * @param rows the table's rows
 * @param columns one profile per top-level column, in the table's order
 * @param pearson Pearson correlations of the numeric columns that vary, each pair over the rows where both values
 *     are finite (pairwise complete)
 * @param spearman Spearman rank correlations of the same columns, over the rows where all of them are finite
 *     (listwise complete: ranks need one common set of rows); for a table of more than
 *     {@code SparkProfiler.Options.rankedRows()} rows (default 1,000,000), over those of a seeded sample of about
 *     that many rows
 * @param label the label the associations were measured against, if one was given
 * @param associations each other column's association with the label, for the columns it can be measured for
 */
public record Profile(long rows, List<ColumnProfile> columns, CorrelationMatrix pearson, CorrelationMatrix spearman,
    Optional<String> label, List<Association> associations) {

  public Profile {
    columns = List.copyOf(columns);
    associations = List.copyOf(associations);
  }

  /** The profile of the column {@code name}, if the table has it. */
  public Optional<ColumnProfile> column(String name) {
    return columns.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /** {@code feature}'s association with the label, if it was measured. */
  public Optional<Association> association(String feature) {
    return associations.stream().filter(a -> a.feature().equals(feature)).findFirst();
  }

  /**
   * One column's statistics. Which optional parts are present follows from {@link #kind()}: numeric columns have
   * {@code numeric} (once they hold a finite value) and a histogram; categorical ones top values; temporal ones a
   * range; strings their lengths.
   *
   * @param dataType Spark's name of the column's type ({@code double}, {@code string}, {@code timestamp}, ...)
   * @param count values that are not null (NaN and infinities included)
   * @param nulls null values; {@code count + nulls} is the table's rows
   * @param nonFinite NaN and ±infinity values of a floating-point column; they are left out of every numeric
   *     statistic, the histogram and the correlations
   * @param approxDistinct distinct non-null values, by HyperLogLog++ (relative standard deviation 5%), at most
   *     {@code count}
   * @param numeric min, max, mean, standard deviation and quantiles of the finite values
   * @param range the earliest and latest value of a temporal column, as Spark renders them
   * @param lengths the shortest and longest value of a string column, in characters
   * @param histogram equal-width bins from the finite minimum to the maximum (one bin for a constant column)
   * @param topValues the most frequent values, most frequent first (ties by value)
   * @param otherValues non-null values not among {@code topValues}
   */
  public record ColumnProfile(String name, String dataType, ColumnKind kind, long count, long nulls, long nonFinite,
      long approxDistinct, Optional<NumericSummary> numeric, Optional<ValueRange> range, Optional<LengthRange> lengths,
      List<Bin> histogram, List<ValueCount> topValues, long otherValues) {

    public ColumnProfile {
      histogram = List.copyOf(histogram);
      topValues = List.copyOf(topValues);
    }

    /** Nulls and non-finite values as a share of {@code rows}; 0 for an empty table. */
    public double missingShare(long rows) {
      return rows == 0 ? 0.0 : (double) (nulls + nonFinite) / rows;
    }
  }

  /**
   * Statistics of a column's finite values. Min, max and mean are exact (over doubles); quantiles are
   * {@code percentile_approx}'s, within its accuracy.
   *
   * @param stddev the sample standard deviation; NaN with fewer than two values
   */
  public record NumericSummary(double min, double max, double mean, double stddev, List<Quantile> quantiles) {

    public NumericSummary {
      quantiles = List.copyOf(quantiles);
    }

    /** The quantile at {@code probability}, if it was computed. */
    public Optional<Double> quantile(double probability) {
      return quantiles.stream().filter(q -> q.probability() == probability).map(Quantile::value).findFirst();
    }
  }

  public record Quantile(double probability, double value) {}

  public record ValueRange(String min, String max) {}

  public record LengthRange(int min, int max) {}

  /** A histogram bin: values in {@code [low, high)}, the last bin including {@code high}. */
  public record Bin(double low, double high, long count) {}

  public record ValueCount(String value, long count) {}

  /**
   * A symmetric correlation matrix.
   *
   * @param method {@code pearson} or {@code spearman}
   * @param values row-major, {@code columns.size()} squared; NaN where a correlation is undefined (no rows in common,
   *     or no spread among them)
   * @param completeRows the rows every entry was computed over (the ranked rows of a sample, for a sampled
   *     Spearman), for a listwise matrix; empty for a pairwise one
   */
  public record CorrelationMatrix(String method, List<String> columns, List<Double> values,
      Optional<Long> completeRows) {

    public CorrelationMatrix {
      columns = List.copyOf(columns);
      values = List.copyOf(values);
      if (values.size() != columns.size() * columns.size()) {
        throw new IllegalArgumentException(method + ": " + values.size() + " values for " + columns.size()
            + " columns");
      }
    }

    public static CorrelationMatrix empty(String method) {
      return new CorrelationMatrix(method, List.of(), List.of(), Optional.empty());
    }

    public double value(int row, int column) {
      return values.get(row * columns.size() + column);
    }

    /** The correlation of two of the matrix's columns; NaN if either is not in it. */
    public double value(String a, String b) {
      int i = columns.indexOf(a);
      int j = columns.indexOf(b);
      return i < 0 || j < 0 ? Double.NaN : value(i, j);
    }
  }

  /**
   * How strongly a column goes with the label.
   *
   * @param method {@link #PEARSON} (numeric with numeric: point-biserial for a 0/1 label; from -1 to 1),
   *     {@link #CRAMERS_V} (categorical with a label of few classes; 0 to 1) or {@link #CORRELATION_RATIO} (η, a
   *     numeric variable explained by the categories of the other; 0 to 1)
   * @param rows the rows with both values, over which it was measured
   */
  public record Association(String feature, String method, double value, long rows) {
    public static final String PEARSON = "pearson";
    public static final String CRAMERS_V = "cramers_v";
    public static final String CORRELATION_RATIO = "correlation_ratio";
  }
}
