package dev.kiln.monitor;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.kiln.monitor.BucketScan.Cell;
import dev.kiln.monitor.BucketScan.Target;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.spark.sql.types.DataTypes;

/**
 * The drift of a window of recent predictions from a version's baseline: every input column, the predictions and
 * the positive-class probability, counted in the baseline's buckets in <b>one</b> Spark job whatever the number of
 * columns ({@link BucketScan#count}), per day; a window's counts are its days' merged.
 *
 * @param rowsByDay the version's predictions per day of the window (days without none are absent)
 * @param inputs per monitored input of the baseline, in its order
 * @param probability present when the baseline has one and the recent table has class probabilities
 */
public record DriftAnalysis(SortedMap<LocalDate, Long> rowsByDay, List<ColumnDrift> inputs, ColumnDrift prediction,
    Optional<ColumnDrift> probability) {

  /** Values outside a categorical column's baseline values that a report names (the most frequent). */
  public static final int NAMED_UNSEEN_VALUES = 10;

  /**
   * One column's recent counts against its baseline.
   *
   * @param recent the window's counts, over the baseline's buckets
   * @param psi NaN when either side has no value
   * @param ks numeric columns; NaN for categorical ones and when either side has no value
   */
  public record ColumnDrift(ColumnBaseline baseline, BucketCounts recent, double psi, double ks) {

    static ColumnDrift of(ColumnBaseline baseline, BucketCounts recent) {
      return new ColumnDrift(baseline, recent, DriftMetrics.psi(baseline.buckets(), baseline.counts(), recent),
          DriftMetrics.ks(baseline.buckets(), baseline.counts(), recent));
    }

    public String name() {
      return baseline.name();
    }
  }

  /** All predictions in the window. */
  public long rows() {
    return rowsByDay.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Counts {@code recent} in {@code baseline}'s buckets: one Spark job. */
  public static DriftAnalysis of(DriftBaseline baseline, RecentData recent) {
    List<Target> targets = new ArrayList<>();
    List<Buckets> buckets = new ArrayList<>();
    for (int i = 0; i < baseline.inputs().size(); i++) {
      ColumnBaseline input = baseline.inputs().get(i);
      String alias = DriftBaseline.inputAlias(i);
      targets.add(DriftBaseline.target(input.name(), input.buckets().kind(), lit(true), col(alias),
          recent.frame().schema().apply(alias).dataType()));
      buckets.add(input.buckets());
    }
    targets.add(DriftBaseline.target(DriftBaseline.PREDICTION, baseline.prediction().buckets().kind(), lit(true),
        col(RecentData.PREDICTION), DataTypes.DoubleType));
    buckets.add(baseline.prediction().buckets());
    Optional<ColumnBaseline> probability = baseline.probability().filter(p -> recent.hasProbability());
    probability.ifPresent(p -> {
      targets.add(DriftBaseline.target(DriftBaseline.PROBABILITY, Buckets.Kind.NUMERIC, lit(true),
          col(RecentData.POSITIVE), DataTypes.DoubleType));
      buckets.add(p.buckets());
    });

    List<Cell> cells = BucketScan.count(recent.frame(), col(RecentData.DAY), targets, buckets, NAMED_UNSEEN_VALUES);

    List<ColumnDrift> inputs = new ArrayList<>();
    for (int i = 0; i < baseline.inputs().size(); i++) {
      inputs.add(ColumnDrift.of(baseline.inputs().get(i), window(cells, i, buckets.get(i))));
    }
    int predictionTarget = baseline.inputs().size();
    // Every row has a prediction cell (missing or not), so its counts per day are the rows per day.
    SortedMap<LocalDate, Long> rowsByDay = new TreeMap<>();
    BucketScan.states(cells, predictionTarget, buckets.get(predictionTarget))
        .forEach((day, counts) -> rowsByDay.put(day, counts.rows()));
    ColumnDrift prediction = ColumnDrift.of(baseline.prediction(),
        window(cells, predictionTarget, buckets.get(predictionTarget)));
    Optional<ColumnDrift> probabilityDrift = probability.map(p -> ColumnDrift.of(p,
        window(cells, predictionTarget + 1, p.buckets())));
    return new DriftAnalysis(rowsByDay, inputs, prediction, probabilityDrift);
  }

  private static BucketCounts window(List<Cell> cells, int target, Buckets buckets) {
    return BucketScan.merged(BucketScan.states(cells, target, buckets), buckets.size());
  }
}
