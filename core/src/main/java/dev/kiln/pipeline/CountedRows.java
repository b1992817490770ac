package dev.kiln.pipeline;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;

/**
 * A lazy Dataset that counts its rows after each step as a side effect of whatever action finally runs it
 * ({@code Dataset.observe}), so a ledger of every step costs no extra pass over the data.
 */
final class CountedRows {

  private final Dataset<Row> rows;
  private final Map<String, Observation> observations;

  private CountedRows(Dataset<Row> rows, Map<String, Observation> observations) {
    this.rows = rows;
    this.observations = observations;
  }

  static CountedRows of(Dataset<Row> rows, String step) {
    return new CountedRows(rows, new LinkedHashMap<>()).observe(step);
  }

  /** Applies {@code transform} and counts its output under {@code step}. */
  CountedRows then(String step, UnaryOperator<Dataset<Row>> transform) {
    return new CountedRows(transform.apply(rows), new LinkedHashMap<>(observations)).observe(step);
  }

  Dataset<Row> rows() {
    return rows;
  }

  /** The counts; call only after an action has run the whole plan, or this waits for one. */
  Map<String, Long> counts() {
    Map<String, Long> counts = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Observation> entry : observations.entrySet()) {
        counts.put(entry.getKey(), ((Number) entry.getValue().getAsJava().get("rows")).longValue());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for row counts", e);
    }
    return counts;
  }

  private CountedRows observe(String step) {
    Observation observation = new Observation("kiln_" + step);
    Dataset<Row> observed = rows.observe(observation, count(lit(1)).as("rows"));
    Map<String, Observation> all = new LinkedHashMap<>(observations);
    all.put(step, observation);
    return new CountedRows(observed, all);
  }
}
