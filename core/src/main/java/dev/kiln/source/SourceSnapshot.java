package dev.kiln.source;

import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Rows read from a source, with what identifies them for lineage.
 *
 * @param version the Delta table version read, empty for unversioned files
 */
public record SourceSnapshot(Dataset<Row> rows, String uri, String format, Optional<Long> version) {

  public String describe() {
    return format + " " + uri + version.map(v -> " @ version " + v).orElse("");
  }
}
