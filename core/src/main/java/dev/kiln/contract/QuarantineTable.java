package dev.kiln.contract;

import dev.kiln.config.HadoopPaths;
import dev.kiln.config.PipelineConfig;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The Delta table of quarantined rows, {@code <warehouse>/pipelines/<name>/quarantine}: one row per rejected input
 * row (run_id, pipeline, quarantined_at, reason, column, detail, source, source_file, record). Each run appends its
 * rows in one commit, so a crashed run leaves nothing half-written and a re-run is a new run beside the old one;
 * {@code run_id} tells them apart.
 */
public final class QuarantineTable {

  private QuarantineTable() {}

  public static String location(PipelineConfig config) {
    return HadoopPaths.child(config.warehouse(), "pipelines/" + config.name() + "/quarantine");
  }

  /** Appends {@code rows} (in {@link ContractChecker#quarantined}'s layout) as one Delta commit. */
  public static void append(Dataset<Row> rows, String location) {
    rows.write().format("delta").mode("append").save(location);
  }
}
