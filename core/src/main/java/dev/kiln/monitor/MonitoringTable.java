package dev.kiln.monitor;

import dev.kiln.config.HadoopPaths;
import dev.kiln.registry.ModelRef;
import io.delta.tables.DeltaTable;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The history of a model's monitoring runs: a Delta table with a row per {@link Check}. Each run is one commit
 * that replaces the rows of its (run date, model, version), if a run wrote them before, and adds them otherwise: a
 * re-run for the same day and version never duplicates, and a reader sees the old rows or the new, never both.
 *
 * <table>
 *   <caption>Columns</caption>
 *   <tr><td>run_date, model, model_version</td><td>the run's date (its {@code --run-date}) and the version</td></tr>
 *   <tr><td>day</td><td>the day a per-day value is of; null for the window</td></tr>
 *   <tr><td>column_name, metric</td><td>the input column, {@code prediction} or {@code probability} (null for the
 *       model's own values), and what was measured</td></tr>
 *   <tr><td>value, baseline, threshold, crossed</td><td>see {@link Check}</td></tr>
 *   <tr><td>rows</td><td>the rows the value is measured on</td></tr>
 *   <tr><td>monitored_at, input</td><td>when the run measured it, and what it read</td></tr>
 * </table>
 */
public final class MonitoringTable {

  public static final StructType SCHEMA = new StructType()
      .add("run_date", DataTypes.DateType, false)
      .add("model", DataTypes.StringType, false)
      .add("model_version", DataTypes.LongType, false)
      .add("day", DataTypes.DateType, true)
      .add("column_name", DataTypes.StringType, true)
      .add("metric", DataTypes.StringType, false)
      .add("value", DataTypes.DoubleType, false)
      .add("baseline", DataTypes.DoubleType, true)
      .add("threshold", DataTypes.DoubleType, true)
      .add("crossed", DataTypes.BooleanType, false)
      .add("rows", DataTypes.LongType, false)
      .add("monitored_at", DataTypes.TimestampType, false)
      .add("input", DataTypes.StringType, false);

  private MonitoringTable() {}

  /** {@code <warehouse>/monitoring/<model>}. */
  public static String defaultLocation(String warehouse, String model) {
    ModelRef.validateName(model);
    return HadoopPaths.child(HadoopPaths.child(HadoopPaths.qualify(warehouse), "monitoring"), model);
  }

  /** Writes the outcome's checks to {@code table} (created on first use) in one commit, replacing a rerun's. */
  public static void write(SparkSession spark, String table, MonitorOutcome outcome) {
    Dataset<Row> rows = spark.createDataFrame(rows(outcome), SCHEMA);
    String commit = "{\"kiln\": \"monitor\", \"model\": \"" + outcome.model() + "\", \"version\": "
        + outcome.version() + ", \"run_date\": \"" + outcome.runDate() + "\"}";
    if (!DeltaTable.isDeltaTable(spark, table)) {
      rows.write().format("delta").mode("append").option("userMetadata", commit).save(table);
      return;
    }
    // The model name is validated (letters, digits, '.', '_', '-'), so it is safe inside the quotes.
    ModelRef.validateName(outcome.model());
    rows.write().format("delta").mode("overwrite")
        .option("replaceWhere", "run_date = DATE'" + outcome.runDate() + "' AND model = '" + outcome.model()
            + "' AND model_version = " + outcome.version())
        .option("userMetadata", commit)
        .save(table);
  }

  /** The table's rows of one run. */
  static List<Row> rows(MonitorOutcome outcome) {
    Timestamp at = Timestamp.from(outcome.monitoredAt());
    Date runDate = Date.valueOf(outcome.runDate());
    List<Row> rows = new ArrayList<>();
    for (Check check : outcome.checks()) {
      rows.add(RowFactory.create(runDate, outcome.model(), outcome.version(),
          check.day().map(Date::valueOf).orElse(null), check.column().orElse(null), check.metric(), check.value(),
          check.baseline().isPresent() ? check.baseline().getAsDouble() : null,
          check.threshold().isPresent() ? check.threshold().getAsDouble() : null, check.crossed(), check.rows(), at,
          outcome.input()));
    }
    return rows;
  }
}
