package dev.kiln.source;

import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Rows read from a source, with what identifies them for lineage.
 *
 * @param version the Delta table version read, empty for unversioned sources
 * @param pushdown what the source did for the read request (sampling, windowing at the source)
 */
public record SourceSnapshot(Dataset<Row> rows, String uri, String format, Optional<Long> version,
    Pushdown pushdown) {

  public SourceSnapshot(Dataset<Row> rows, String uri, String format, Optional<Long> version) {
    this(rows, uri, format, version, Pushdown.none("read in full"));
  }

  public String describe() {
    return format + " " + uri + version.map(v -> " @ version " + v).orElse("");
  }
}
