package dev.kiln.profile;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Runs many {@link Analyzer}s as one aggregation: one scan of the rows, one Spark job, whatever their number. */
public final class AnalysisRun {

  private final Map<Analyzer<?>, Object> metrics;

  private AnalysisRun(Map<Analyzer<?>, Object> metrics) {
    this.metrics = metrics;
  }

  /** Aggregates {@code rows} once for all of {@code analyzers} (at least one). */
  public static AnalysisRun of(Dataset<Row> rows, List<? extends Analyzer<?>> analyzers) {
    if (analyzers.isEmpty()) {
      throw new IllegalArgumentException("no analyzers to run");
    }
    List<Column> aggregations = new ArrayList<>();
    List<Integer> offsets = new ArrayList<>();
    for (Analyzer<?> analyzer : analyzers) {
      offsets.add(aggregations.size());
      aggregations.addAll(analyzer.aggregations());
    }
    Row row = rows.agg(aggregations.get(0), aggregations.subList(1, aggregations.size()).toArray(Column[]::new))
        .head();
    // Identity, not equality: two analyzers of the same kind on the same column are still two requests.
    Map<Analyzer<?>, Object> metrics = new IdentityHashMap<>();
    for (int i = 0; i < analyzers.size(); i++) {
      metrics.put(analyzers.get(i), analyzers.get(i).result(row, offsets.get(i)));
    }
    return new AnalysisRun(metrics);
  }

  /** The metric {@code analyzer} computed; it must have been one of this run's. */
  @SuppressWarnings("unchecked")
  public <M> M get(Analyzer<M> analyzer) {
    if (!metrics.containsKey(analyzer)) {
      throw new IllegalArgumentException("not an analyzer of this run: " + analyzer);
    }
    return (M) metrics.get(analyzer);
  }
}
