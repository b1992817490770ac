package dev.kiln.profile;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;

/**
 * A metric computed by aggregate expressions that share one scan with every other analyzer's, as Deequ's
 * scan-shareable analyzers do: {@link AnalysisRun} puts the aggregations of all analyzers into one {@code agg}, and
 * each analyzer reads its metric from its own offset in the one row that comes back. Adding a metric to a profile
 * therefore adds expressions to the scan, never another scan.
 *
 * @param <M> the metric
 */
public interface Analyzer<M> {

  /** The aggregate expressions this analyzer needs, in the order {@link #result} reads them; never empty. */
  List<Column> aggregations();

  /** The metric, read from the aggregated row, where this analyzer's values start at {@code offset}. */
  M result(Row row, int offset);
}
