package dev.kiln.profile;

import static org.apache.spark.sql.functions.lit;

import dev.kiln.errors.InvalidInputException;
import dev.kiln.profile.Analyzers.ApproxQuantiles;
import dev.kiln.profile.Analyzers.Lengths;
import dev.kiln.profile.Analyzers.LongMetric;
import dev.kiln.profile.Analyzers.Moments;
import dev.kiln.profile.Analyzers.PearsonPairs;
import dev.kiln.profile.Analyzers.Range;
import dev.kiln.profile.Distributions.Cell;
import dev.kiln.profile.Distributions.LabelView;
import dev.kiln.profile.Distributions.Target;
import dev.kiln.profile.Profile.Association;
import dev.kiln.profile.Profile.Bin;
import dev.kiln.profile.Profile.ColumnProfile;
import dev.kiln.profile.Profile.CorrelationMatrix;
import dev.kiln.profile.Profile.NumericSummary;
import dev.kiln.profile.Profile.ValueCount;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;

/**
 * The profiler, in three passes over the rows whatever their number of columns:
 *
 * <ol>
 *   <li>one aggregation for every per-column metric and every pairwise Pearson correlation ({@link AnalysisRun});
 *   <li>one grouped aggregation for histograms, top values and the counts against the label ({@link Distributions}),
 *       with bin bounds from the first pass;
 *   <li>Spearman's rank correlations ({@link RankCorrelation}), of the numeric columns the first pass found to vary
 *       (on a seeded sample of about {@link Options#rankedRows()} rows when the table has more).
 * </ol>
 */
public final class SparkProfiler implements Profiler {

  /**
   * @param histogramBins equal-width bins per numeric column
   * @param topValues values per categorical column that keep their own count
   * @param quantiles probabilities of the approximate quantiles, each in [0, 1]
   * @param quantileAccuracy {@code percentile_approx}'s accuracy: the relative rank error is 1/accuracy
   * @param maxLabelClasses the most distinct label values for which the label is treated as classes (Cramér's V,
   *     correlation ratio of numeric columns); a numeric label with more is treated as continuous
   * @param rankedRows Spearman's ranks are of at most about this many rows: a table with more is ranked on a seeded
   *     Bernoulli sample of {@code rankedRows / rows} of its rows (see {@link RankCorrelation})
   */
  public record Options(int histogramBins, int topValues, List<Double> quantiles, int quantileAccuracy,
      int maxLabelClasses, long rankedRows) {

    public static final Options DEFAULTS = new Options(20, 10, List.of(0.05, 0.25, 0.5, 0.75, 0.95), 10_000, 20,
        1_000_000);

    public Options {
      quantiles = List.copyOf(quantiles);
      if (histogramBins < 1 || topValues < 1 || quantileAccuracy < 1 || maxLabelClasses < 2 || rankedRows < 2) {
        throw new IllegalArgumentException("bins, top values and accuracy must be positive, label classes and "
            + "ranked rows at least 2: " + histogramBins + ", " + topValues + ", " + quantileAccuracy + ", "
            + maxLabelClasses + ", " + rankedRows);
      }
      if (quantiles.stream().anyMatch(p -> p < 0 || p > 1)) {
        throw new IllegalArgumentException("quantile probabilities must be in [0, 1]: " + quantiles);
      }
    }
  }

  private final Options options;

  public SparkProfiler() {
    this(Options.DEFAULTS);
  }

  public SparkProfiler(Options options) {
    this.options = options;
  }

  @Override
  public Profile profile(Dataset<Row> rows, Optional<String> label) {
    StructField[] fields = rows.schema().fields();
    int labelIndex = label.map(name -> labelIndex(fields, name)).orElse(-1);

    // Pass 1: every simple metric and every Pearson pair, one aggregation.
    LongMetric size = Analyzers.size();
    List<ColumnPass> columns = new ArrayList<>();
    for (int i = 0; i < fields.length; i++) {
      columns.add(new ColumnPass(i, fields[i], options));
    }
    List<ColumnPass> numeric = columns.stream().filter(c -> c.kind == ColumnKind.NUMERIC).toList();
    Optional<PearsonPairs> pairs = numeric.size() < 2 ? Optional.empty()
        : Optional.of(new PearsonPairs(numeric.stream().map(c -> c.finite).toList()));
    List<Analyzer<?>> analyzers = new ArrayList<>();
    analyzers.add(size);
    columns.forEach(c -> analyzers.addAll(c.analyzers()));
    pairs.ifPresent(analyzers::add);
    AnalysisRun first = AnalysisRun.of(rows, analyzers);
    Correlations correlations = new Correlations(numeric, pairs.map(first::get));
    long rowCount = first.get(size);

    // Pass 2: histograms, top values and label cross-counts, one grouped aggregation.
    Optional<ColumnPass> labelPass = labelIndex < 0 ? Optional.empty() : Optional.of(columns.get(labelIndex));
    boolean labelClasses = labelPass.map(l -> (l.kind == ColumnKind.NUMERIC || l.kind == ColumnKind.CATEGORICAL)
        && first.get(l.distinct) <= options.maxLabelClasses()).orElse(false);
    boolean labelNumeric = labelPass.map(l -> l.kind == ColumnKind.NUMERIC).orElse(false);
    LabelView view = labelPass.map(l -> new LabelView(
        labelClasses ? Columns.named(l.field.name()).cast("string") : LabelView.NONE.classKey(),
        labelNumeric ? l.finite : LabelView.NONE.y())).orElse(LabelView.NONE);
    List<Target> targets = new ArrayList<>();
    for (ColumnPass c : columns) {
      Optional<Moments.Result> moments = c.moments == null ? Optional.empty() : first.get(c.moments);
      if (moments.isPresent()) {
        targets.add(Target.histogram(c.index, c.finite, moments.get().min(), moments.get().max(),
            options.histogramBins()));
      } else if (c.kind == ColumnKind.CATEGORICAL && first.get(c.nulls) < rowCount) {
        targets.add(Target.values(c.index, Columns.named(c.field.name())));
      }
    }
    List<Cell> cells = Distributions.run(rows, targets, view, options.topValues());

    List<ColumnProfile> profiles = columns.stream()
        .map(c -> c.profile(first, rowCount, Distributions.of(cells, c.index), options)).toList();

    // Pass 3: rank correlations of the numeric columns that vary.
    List<ColumnPass> varying = numeric.stream().filter(c -> first.get(c.moments)
        .filter(m -> m.stddev() > 0).isPresent()).toList();
    CorrelationMatrix pearson = correlations.matrix(varying);
    CorrelationMatrix spearman = RankCorrelation.spearman(rows, varying.stream().map(c -> c.field.name()).toList(),
        varying.stream().map(c -> c.finite).toList(), RankCorrelation.fraction(rowCount, options.rankedRows()));

    List<Association> associations = new ArrayList<>();
    labelPass.ifPresent(l -> {
      for (ColumnPass c : columns) {
        if (c != l) {
          association(c, l, labelClasses, correlations, Distributions.of(cells, c.index))
              .ifPresent(associations::add);
        }
      }
    });
    return new Profile(rowCount, profiles, pearson, spearman, label, associations);
  }

  private static int labelIndex(StructField[] fields, String label) {
    for (int i = 0; i < fields.length; i++) {
      if (fields[i].name().equals(label)) {
        return i;
      }
    }
    throw new InvalidInputException("the label column '" + label + "' is not in the table (its columns: "
        + Arrays.stream(fields).map(StructField::name).collect(Collectors.joining(", ")) + ")");
  }

  /** The first pass's Pearson correlations, looked up by column. */
  private record Correlations(List<ColumnPass> numeric, Optional<PearsonPairs.Result> pairs) {

    /** The correlation of two different numeric columns, and the rows it is over. */
    Optional<Pearson> of(ColumnPass a, ColumnPass b) {
      int i = numeric.indexOf(a);
      int j = numeric.indexOf(b);
      return pairs.map(p -> new Pearson(p.value(i, j), p.rows(i, j)));
    }

    /** The matrix of {@code columns}, empty for fewer than two (as Spearman's is). */
    CorrelationMatrix matrix(List<ColumnPass> columns) {
      if (columns.size() < 2) {
        return CorrelationMatrix.empty("pearson");
      }
      List<Double> values = new ArrayList<>();
      for (ColumnPass a : columns) {
        for (ColumnPass b : columns) {
          values.add(pairs.orElseThrow().value(numeric.indexOf(a), numeric.indexOf(b)));
        }
      }
      return new CorrelationMatrix("pearson", columns.stream().map(c -> c.field.name()).toList(), values,
          Optional.empty());
    }
  }

  private record Pearson(double value, long rows) {}

  /** Stands for the "other" group among a column's values, apart from every real value. */
  private static final Object OTHER = new Object();

  /**
   * The measure that fits the two kinds: Pearson between numeric columns; Cramér's V between a categorical column
   * and a label of few classes; otherwise the correlation ratio of the numeric one across the categories.
   */
  private static Optional<Association> association(ColumnPass feature, ColumnPass label, boolean labelClasses,
      Correlations correlations, List<Cell> cells) {
    String name = feature.field.name();
    if (feature.kind == ColumnKind.NUMERIC && label.kind == ColumnKind.NUMERIC) {
      Pearson r = correlations.of(feature, label).orElseThrow();
      return Double.isNaN(r.value()) ? Optional.empty()
          : Optional.of(new Association(name, Association.PEARSON, r.value(), r.rows()));
    }
    if (feature.kind == ColumnKind.NUMERIC && labelClasses) {
      return LabelAssociations.correlationRatio(name, cells, Cell::labelClass,
          c -> new LabelAssociations.Moments(c.n(), c.sx(), c.sxx()));
    }
    if (feature.kind == ColumnKind.CATEGORICAL && labelClasses) {
      return LabelAssociations.cramersV(name, cells);
    }
    if (feature.kind == ColumnKind.CATEGORICAL && label.kind == ColumnKind.NUMERIC) {
      return LabelAssociations.correlationRatio(name, cells, c -> c.other() ? OTHER : c.key(),
          c -> new LabelAssociations.Moments(c.ny(), c.sy(), c.syy()));
    }
    return Optional.empty();
  }

  /** One column's first-pass analyzers (those its kind has; the others null) and what they make of it. */
  private static final class ColumnPass {
    final int index;
    final StructField field;
    final ColumnKind kind;
    final Column finite;
    final LongMetric nulls;
    final LongMetric distinct;
    final LongMetric nonFinite;
    final Moments moments;
    final ApproxQuantiles quantiles;
    final Range range;
    final Lengths lengths;

    ColumnPass(int index, StructField field, Options options) {
      this.index = index;
      this.field = field;
      this.kind = ColumnKind.of(field.dataType());
      Column value = Columns.named(field.name());
      boolean numeric = kind == ColumnKind.NUMERIC;
      this.finite = numeric ? Columns.finite(field) : lit(null).cast("double");
      this.nulls = Analyzers.countWhere(value.isNull());
      this.distinct = Analyzers.approxDistinct(Columns.hashable(field));
      this.nonFinite = Columns.floating(field.dataType()) ? Analyzers.countWhere(Columns.nonFinite(value)) : null;
      this.moments = numeric ? new Moments(finite) : null;
      this.quantiles = numeric ? new ApproxQuantiles(finite, options.quantiles(), options.quantileAccuracy()) : null;
      this.range = kind == ColumnKind.TEMPORAL ? new Range(value) : null;
      this.lengths = field.dataType() instanceof StringType ? new Lengths(value) : null;
    }

    List<Analyzer<?>> analyzers() {
      return Stream.<Analyzer<?>>of(nulls, distinct, nonFinite, moments, quantiles, range, lengths)
          .filter(Objects::nonNull).toList();
    }

    ColumnProfile profile(AnalysisRun first, long rows, List<Cell> cells, Options options) {
      long nullCount = first.get(nulls);
      Optional<Moments.Result> m = moments == null ? Optional.empty() : first.get(moments);
      Optional<NumericSummary> summary = m.map(r -> new NumericSummary(r.min(), r.max(), r.mean(), r.stddev(),
          first.get(quantiles)));
      List<Bin> histogram = m.map(r -> Distributions.histogram(cells, r.min(), r.max(), options.histogramBins()))
          .orElse(List.of());
      Distributions.TopValues top = kind == ColumnKind.CATEGORICAL ? Distributions.topValues(cells)
          : new Distributions.TopValues(List.<ValueCount>of(), 0);
      // HyperLogLog can overshoot; there are never more distinct values than values.
      long distinctValues = Math.min(first.get(distinct), rows - nullCount);
      return new ColumnProfile(field.name(), field.dataType().simpleString(), kind, rows - nullCount, nullCount,
          nonFinite == null ? 0 : first.get(nonFinite), distinctValues, summary,
          range == null ? Optional.empty() : first.get(range),
          lengths == null ? Optional.empty() : first.get(lengths), histogram, top.values(), top.other());
    }
  }
}
