package dev.kiln.source;

import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * A dataset Kiln reads: a table in files, a Delta table, or a generated table.
 *
 * <p>Contract: {@link #probe} answers cheap questions without Spark (does it exist, which columns has it) so a
 * config can be rejected before any heavy work; {@link #read} returns the rows together with the version that was read,
 * so lineage records exactly the data a model saw.
 */
public interface Source {

  /** The qualified location, e.g. {@code file:/data/churn} or {@code s3a://bucket/churn}. */
  String uri();

  /** {@code parquet}, {@code csv}, {@code delta}, ... */
  String format();

  /** Existence and, where it can be learnt from metadata alone, the column names. Never starts Spark work. */
  Probe probe(Configuration hadoopConf);

  /** The rows, pinned to one version where the format has versions. */
  SourceSnapshot read(SparkSession spark);

  /**
   * What {@link #probe} found.
   *
   * @param exists whether the location holds data of this format
   * @param columns the column names, when readable from metadata (Parquet footer, CSV header, Delta log)
   */
  record Probe(boolean exists, Optional<List<String>> columns) {}
}
