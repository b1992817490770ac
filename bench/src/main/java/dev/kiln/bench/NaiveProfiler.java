package dev.kiln.bench;

import static org.apache.spark.sql.functions.approx_count_distinct;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.stddev_samp;
import static org.apache.spark.sql.functions.when;

import dev.kiln.profile.ColumnKind;
import dev.kiln.profile.Profile;
import dev.kiln.profile.Profile.Association;
import dev.kiln.profile.Profile.Bin;
import dev.kiln.profile.Profile.ColumnProfile;
import dev.kiln.profile.Profile.CorrelationMatrix;
import dev.kiln.profile.Profile.LengthRange;
import dev.kiln.profile.Profile.NumericSummary;
import dev.kiln.profile.Profile.Quantile;
import dev.kiln.profile.Profile.ValueCount;
import dev.kiln.profile.Profile.ValueRange;
import dev.kiln.profile.Profiler;
import dev.kiln.profile.SparkProfiler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The benchmark's baseline: the statistics of {@link SparkProfiler}'s profile, computed as one writes them without
 * shared scans, <b>one Spark job per column statistic</b>: a {@code count} or {@code agg(...).head()} for each
 * count, null count, non-finite count, distinct count, min, max, mean, standard deviation and set of quantiles of
 * each column, a {@code groupBy(...).count()} for each histogram, top-value list and label contingency table, a
 * {@code stat().corr} per Pearson pair, and for Spearman a sort per column to rank it, then a {@code stat().corr} per
 * pair of rank columns. The definitions are the profiler's (docs/profiling.md), so the two profiles agree (checked by
 * {@code NaiveProfilerTest}); associations are measured as the benchmark's table needs them: Pearson for numeric
 * columns (the label is a 0/1 int) and Cramér's V for categorical ones. No caching of its own: it reads the rows it
 * is given, which the benchmark has cached as the cleaning left them (as it does for Kiln).
 */
final class NaiveProfiler implements Profiler {

  private final SparkProfiler.Options options;

  NaiveProfiler() {
    this(SparkProfiler.Options.DEFAULTS);
  }

  NaiveProfiler(SparkProfiler.Options options) {
    this.options = options;
  }

  @Override
  public Profile profile(Dataset<Row> rows, Optional<String> label) {
    long rowCount = rows.count();
    List<ColumnProfile> columns = new ArrayList<>();
    List<String> varying = new ArrayList<>();
    for (StructField field : rows.schema().fields()) {
      ColumnProfile profile = column(rows, field, rowCount);
      columns.add(profile);
      if (profile.numeric().filter(s -> s.stddev() > 0).isPresent()) {
        varying.add(field.name());
      }
    }
    // The finite values of the numeric columns that vary, under their own names.
    Dataset<Row> finite = rows.select(varying.stream().map(n -> finite(rows.schema().apply(n)).as(n))
        .toArray(Column[]::new));

    List<Double> pearson = new ArrayList<>(Collections.nCopies(varying.size() * varying.size(), 1.0));
    for (int i = 0; i < varying.size(); i++) {
      for (int j = i + 1; j < varying.size(); j++) {
        // stat().corr reads a null as 0: the pair's rows are those where both are finite, as in the profile.
        double r = finite.where(col(quote(varying.get(i))).isNotNull().and(col(quote(varying.get(j))).isNotNull()))
            .stat().corr(varying.get(i), varying.get(j));
        pearson.set(i * varying.size() + j, r);
        pearson.set(j * varying.size() + i, r);
      }
    }
    CorrelationMatrix pearsonMatrix = varying.size() < 2 ? CorrelationMatrix.empty("pearson")
        : new CorrelationMatrix("pearson", varying, pearson, Optional.empty());
    CorrelationMatrix spearman = spearman(finite, varying);

    List<Association> associations = new ArrayList<>();
    label.ifPresent(l -> associations.addAll(associations(rows, columns, varying, pearsonMatrix, l)));
    return new Profile(rowCount, columns, pearsonMatrix, spearman, label, associations);
  }

  private ColumnProfile column(Dataset<Row> rows, StructField field, long rowCount) {
    Column value = col(quote(field.name()));
    ColumnKind kind = ColumnKind.of(field.dataType());
    boolean floating = field.dataType() instanceof DoubleType || field.dataType() instanceof FloatType;
    long nulls = rows.where(value.isNull()).count();
    long nonFinite = floating ? rows.where(nonFinite(value)).count() : 0;
    long distinct = Math.min(one(rows, approx_count_distinct(value)).getLong(0), rowCount - nulls);

    Optional<NumericSummary> summary = Optional.empty();
    List<Bin> histogram = List.of();
    if (kind == ColumnKind.NUMERIC && rowCount - nulls - nonFinite > 0) {
      Column x = finite(field);
      double lo = one(rows, min(x)).getDouble(0);
      double hi = one(rows, max(x)).getDouble(0);
      double mean = one(rows, avg(x)).getDouble(0);
      Row sd = one(rows, stddev_samp(x));
      double stddev = sd.isNullAt(0) ? Double.NaN : sd.getDouble(0);
      List<Double> values = one(rows, percentile_approx(x, array(options.quantiles().stream().map(p -> lit(p))
          .toArray(Column[]::new)), lit(options.quantileAccuracy()))).getList(0);
      List<Quantile> quantiles = new ArrayList<>();
      for (int i = 0; i < values.size(); i++) {
        quantiles.add(new Quantile(options.quantiles().get(i), values.get(i)));
      }
      summary = Optional.of(new NumericSummary(lo, hi, mean, stddev, quantiles));
      histogram = histogram(rows, x, lo, hi);
    }

    List<ValueCount> top = List.of();
    long other = 0;
    if (kind == ColumnKind.CATEGORICAL && nulls < rowCount) {
      top = rows.where(value.isNotNull()).groupBy(value.cast("string").as("v")).count()
          .orderBy(col("count").desc(), col("v")).limit(options.topValues()).collectAsList().stream()
          .map(r -> new ValueCount(r.getString(0), r.getLong(1))).toList();
      other = rowCount - nulls - top.stream().mapToLong(ValueCount::count).sum();
    }
    Optional<LengthRange> lengths = Optional.empty();
    if (field.dataType() instanceof StringType && nulls < rowCount) {
      lengths = Optional.of(new LengthRange(one(rows, min(length(value))).getInt(0),
          one(rows, max(length(value))).getInt(0)));
    }
    Optional<ValueRange> range = Optional.empty();
    if (kind == ColumnKind.TEMPORAL && nulls < rowCount) {
      range = Optional.of(new ValueRange(one(rows, min(value).cast("string")).getString(0),
          one(rows, max(value).cast("string")).getString(0)));
    }
    return new ColumnProfile(field.name(), field.dataType().simpleString(), kind, rowCount - nulls, nulls, nonFinite,
        distinct, summary, range, lengths, histogram, top, other);
  }

  /** Equal-width bins from min to max, as the profiler draws them: one grouped count. */
  private List<Bin> histogram(Dataset<Row> rows, Column x, double lo, double hi) {
    int bins = lo == hi ? 1 : options.histogramBins();
    double width = (hi - lo) / bins;
    Column bin = lo == hi ? lit(0L) : least(floor(x.minus(lit(lo)).divide(lit(width))), lit(bins - 1L));
    long[] counts = new long[bins];
    for (Row r : rows.where(x.isNotNull()).groupBy(bin.as("bin")).count().collectAsList()) {
      counts[(int) r.getLong(0)] = r.getLong(1);
    }
    List<Bin> histogram = new ArrayList<>();
    for (int i = 0; i < bins; i++) {
      histogram.add(new Bin(lo + i * width, i == bins - 1 ? hi : lo + (i + 1) * width, counts[i]));
    }
    return histogram;
  }

  /**
   * Spearman over the rows where every column is finite: each column ranked by its own sort (average ranks for ties,
   * as Spark ML ranks), the ranks brought together by row, then Pearson on the ranks, one pair at a time.
   */
  private static CorrelationMatrix spearman(Dataset<Row> finite, List<String> names) {
    if (names.size() < 2) {
      return CorrelationMatrix.empty("spearman");
    }
    Column complete = names.stream().map(n -> col(quote(n)).isNotNull()).reduce(lit(true), Column::and);
    Dataset<Row> completeRows = finite.where(complete).withColumn("__row", monotonically_increasing_id())
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long n = completeRows.count();
      if (n < 2) {
        return new CorrelationMatrix("spearman", names, Collections.nCopies(names.size() * names.size(),
            Double.NaN), Optional.of(n));
      }
      JavaRDD<Row> ranks = null;
      for (int j = 0; j < names.size(); j++) {
        JavaRDD<Row> column = ranks(completeRows.select(col(quote(names.get(j))), col("__row")).javaRDD(), j);
        ranks = ranks == null ? column : ranks.union(column);
      }
      StructType schema = new StructType().add("row", DataTypes.LongType).add("j", DataTypes.IntegerType)
          .add("rank", DataTypes.DoubleType);
      List<Object> js = new ArrayList<>();
      for (int j = 0; j < names.size(); j++) {
        js.add(j);
      }
      Dataset<Row> byRow = finite.sparkSession().createDataFrame(ranks, schema).groupBy("row").pivot("j", js)
          .agg(min("rank")).persist(StorageLevel.MEMORY_AND_DISK());
      try {
        byRow.count();
        List<Double> values = new ArrayList<>(Collections.nCopies(names.size() * names.size(), 1.0));
        for (int i = 0; i < names.size(); i++) {
          for (int j = i + 1; j < names.size(); j++) {
            double r = byRow.stat().corr(String.valueOf(i), String.valueOf(j));
            values.set(i * names.size() + j, r);
            values.set(j * names.size() + i, r);
          }
        }
        return new CorrelationMatrix("spearman", names, values, Optional.of(n));
      } finally {
        byRow.unpersist();
      }
    } finally {
      completeRows.unpersist();
    }
  }

  /**
   * (row, column, average rank) of one column's (value, row) pairs: a range-partitioned sort puts equal values in one
   * partition, so ties are averaged within it.
   */
  private static JavaRDD<Row> ranks(JavaRDD<Row> valueAndRow, int column) {
    return valueAndRow.mapToPair(r -> new Tuple2<>(r.getDouble(0), r.getLong(1))).sortByKey().zipWithIndex()
        .mapPartitions((Iterator<Tuple2<Tuple2<Double, Long>, Long>> it) -> {
          List<Row> out = new ArrayList<>();
          List<Long> tied = new ArrayList<>();
          double tiedValue = Double.NaN;
          long first = 0;
          while (it.hasNext()) {
            Tuple2<Tuple2<Double, Long>, Long> next = it.next();
            double v = next._1()._1();
            if (!tied.isEmpty() && v != tiedValue) {
              emit(out, tied, first, column);
              tied.clear();
            }
            if (tied.isEmpty()) {
              tiedValue = v;
              first = next._2();
            }
            tied.add(next._1()._2());
          }
          emit(out, tied, first, column);
          return out.iterator();
        });
  }

  /** Rows tied at positions first .. first + size - 1 (0-based) share the average of their 1-based ranks. */
  private static void emit(List<Row> out, List<Long> tied, long first, int column) {
    double rank = first + 1 + (tied.size() - 1) / 2.0;
    for (long row : tied) {
      out.add(RowFactory.create(row, column, rank));
    }
  }

  /** Pearson with the label for numeric columns, Cramér's V for categorical ones when the label has few classes. */
  private List<Association> associations(Dataset<Row> rows, List<ColumnProfile> columns, List<String> varying,
      CorrelationMatrix pearson, String label) {
    ColumnProfile l = columns.stream().filter(c -> c.name().equals(label)).findFirst().orElseThrow();
    boolean labelClasses = (l.kind() == ColumnKind.NUMERIC || l.kind() == ColumnKind.CATEGORICAL)
        && l.approxDistinct() <= options.maxLabelClasses();
    List<Association> associations = new ArrayList<>();
    Column y = finite(rows.schema().apply(label));
    for (ColumnProfile c : columns) {
      if (c.name().equals(label)) {
        continue;
      }
      if (c.kind() == ColumnKind.NUMERIC && l.kind() == ColumnKind.NUMERIC) {
        if (varying.contains(c.name()) && varying.contains(label)) {
          long n = rows.where(finite(rows.schema().apply(c.name())).isNotNull().and(y.isNotNull())).count();
          associations.add(new Association(c.name(), Association.PEARSON, pearson.value(c.name(), label), n));
        }
      } else if (c.kind() == ColumnKind.NUMERIC && labelClasses) {
        throw new UnsupportedOperationException("the naive baseline measures no correlation ratio");
      } else if (c.kind() == ColumnKind.CATEGORICAL && labelClasses && c.count() > 0) {
        cramersV(rows, c, label).ifPresent(associations::add);
      } else if (c.kind() == ColumnKind.CATEGORICAL && l.kind() == ColumnKind.NUMERIC) {
        throw new UnsupportedOperationException("the naive baseline measures no correlation ratio");
      }
    }
    return associations;
  }

  /** Cramér's V of the column's top values and one "other" group against the label's classes: one grouped count. */
  private static Optional<Association> cramersV(Dataset<Row> rows, ColumnProfile column, String label) {
    Column value = col(quote(column.name()));
    Column labelClass = col(quote(label)).cast("string");
    List<String> top = column.topValues().stream().map(ValueCount::value).toList();
    Map<String, Map<String, Long>> table = new LinkedHashMap<>();
    Map<String, Long> classTotals = new LinkedHashMap<>();
    long n = 0;
    for (Row r : rows.where(value.isNotNull().and(labelClass.isNotNull()))
        .groupBy(value.cast("string"), labelClass).count().collectAsList()) {
      String group = top.contains(r.getString(0)) ? r.getString(0) : null;
      table.computeIfAbsent(group, g -> new LinkedHashMap<>()).merge(r.getString(1), r.getLong(2), Long::sum);
      classTotals.merge(r.getString(1), r.getLong(2), Long::sum);
      n += r.getLong(2);
    }
    int k = Math.min(table.size(), classTotals.size());
    if (k < 2) {
      return Optional.empty();
    }
    double chi2 = 0;
    for (Map<String, Long> counts : table.values()) {
      long rowTotal = counts.values().stream().mapToLong(Long::longValue).sum();
      for (Map.Entry<String, Long> c : classTotals.entrySet()) {
        double expected = (double) rowTotal * c.getValue() / n;
        double observed = counts.getOrDefault(c.getKey(), 0L);
        chi2 += (observed - expected) * (observed - expected) / expected;
      }
    }
    return Optional.of(new Association(column.name(), Association.CRAMERS_V, Math.sqrt(chi2 / n / (k - 1)), n));
  }

  /** One aggregate, one job. */
  private static Row one(Dataset<Row> rows, Column aggregate) {
    return rows.agg(aggregate).head();
  }

  /** The value as a double, null where it is null, NaN or infinite (the profiler's definition). */
  private static Column finite(StructField field) {
    Column value = col(quote(field.name()));
    boolean floating = field.dataType() instanceof DoubleType || field.dataType() instanceof FloatType;
    return floating ? when(not(nonFinite(value)), value.cast("double")) : value.cast("double");
  }

  private static Column nonFinite(Column value) {
    return isnan(value).or(value.equalTo(lit(Double.POSITIVE_INFINITY)))
        .or(value.equalTo(lit(Double.NEGATIVE_INFINITY)));
  }

  private static String quote(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}
