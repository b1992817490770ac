package dev.kiln.source;

import static org.apache.spark.sql.functions.col;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A dataset Kiln reads: a table in files, a Delta table, a database table or query, or a generated table.
 *
 * <p>Contract: {@link #probe} answers cheap questions without Spark (does it exist, which columns has it) so a
 * config can be rejected before any heavy work; {@link #read(SparkSession, ReadRequest)} returns the rows together
 * with the version that was read and what was done at the source, so lineage records exactly the data a model saw.
 */
public interface Source {

  /**
   * Columns Kiln adds to the rows it reads start with this. They say where a row came from, are not data, and are
   * dropped by the contract check before cleaning; samplers leave them out of their hashes.
   */
  String BOOKKEEPING_PREFIX = "_kiln_";

  /** The file a row was read from (file sources). */
  String FILE_COLUMN = "_kiln_source_file";

  /** The raw text of a CSV or JSON record that did not parse; null for good records. */
  String MALFORMED_COLUMN = "_kiln_malformed";

  static boolean isBookkeeping(String column) {
    return column.startsWith(BOOKKEEPING_PREFIX);
  }

  /** The data columns of {@code rows}: all but the bookkeeping ones. */
  static List<String> dataColumns(Dataset<Row> rows) {
    return java.util.Arrays.stream(rows.columns()).filter(c -> !isBookkeeping(c)).toList();
  }

  /** The qualified location, e.g. {@code file:/data/churn} or {@code s3a://bucket/churn}. Never holds credentials. */
  String uri();

  /** {@code parquet}, {@code csv}, {@code delta}, {@code jdbc}, ... */
  String format();

  /** Existence and, where it can be learnt from metadata alone, the column names. Never starts Spark work. */
  Probe probe(Configuration hadoopConf);

  /** Every row, pinned to one version where the format has versions. */
  default SourceSnapshot read(SparkSession spark) {
    return read(spark, ReadRequest.ALL);
  }

  /**
   * The rows the request asks for, doing at the source what this source can (see {@link ReadRequest} for what an
   * implementation must and may do). This default reads everything and applies the window in Spark.
   */
  SourceSnapshot read(SparkSession spark, ReadRequest request);

  /**
   * How many rows lie in the window, per value of {@code groupBy} (values as strings, null as {@code null}) or
   * under the key {@code ""} when there is no grouping. Used to size exact samples. This default counts in Spark;
   * sources that can count cheaper (a database's {@code COUNT(*)}) override it.
   */
  default Map<String, Long> countRows(SparkSession spark, Optional<TimeWindow> window, Optional<String> groupBy) {
    Dataset<Row> rows = read(spark, new ReadRequest(1.0, 0, window, false)).rows();
    Map<String, Long> counts = new LinkedHashMap<>();
    if (groupBy.isEmpty()) {
      counts.put("", rows.count());
      return counts;
    }
    for (Row row : rows.groupBy(col("`" + groupBy.get() + "`").cast("string")).count().collectAsList()) {
      counts.put(row.isNullAt(0) ? null : row.getString(0), row.getLong(1));
    }
    return counts;
  }

  /**
   * What {@link #probe} found.
   *
   * @param exists whether the location holds data of this format
   * @param columns the column names, when readable from metadata (Parquet footer, CSV header, Delta log)
   */
  record Probe(boolean exists, Optional<List<String>> columns) {}
}
