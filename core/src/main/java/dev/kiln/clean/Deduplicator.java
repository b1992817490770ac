package dev.kiln.clean;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Removes duplicate records before the data is split, so the same record can never sit on both sides of a split.
 * Two kinds, applied in this order so each removed row is counted under one reason:
 * <ol>
 *   <li>exact duplicates: rows equal in every column, one kept;</li>
 *   <li>superseded records: of the rows sharing a business key, only the latest by {@code latestBy} is kept (ties
 *       broken by a hash of the row, so the choice is deterministic). Rows with a null in the key are kept: they
 *       cannot be matched to anything.</li>
 * </ol>
 */
public final class Deduplicator {

  private final boolean exact;
  private final List<String> key;
  private final Optional<String> latestBy;

  public Deduplicator(boolean exact, List<String> key, Optional<String> latestBy) {
    if (!key.isEmpty() && latestBy.isEmpty()) {
      throw new IllegalArgumentException("keyed deduplication needs an ordering column");
    }
    this.exact = exact;
    this.key = List.copyOf(key);
    this.latestBy = latestBy;
  }

  public Dataset<Row> dropExactDuplicates(Dataset<Row> rows) {
    return exact ? rows.dropDuplicates() : rows;
  }

  public Dataset<Row> keepLatestPerKey(Dataset<Row> rows) {
    if (key.isEmpty()) {
      return rows;
    }
    Column[] keyColumns = key.stream().map(Deduplicator::quoted).toArray(Column[]::new);
    Column[] all = Arrays.stream(rows.columns()).map(Deduplicator::quoted).toArray(Column[]::new);
    List<Column> order = new ArrayList<>();
    order.add(quoted(latestBy.orElseThrow()).desc_nulls_last());
    order.add(xxhash64(all));
    Column anyKeyNull = key.stream().map(k -> quoted(k).isNull()).reduce(Column::or).orElseThrow();
    String rank = "__kiln_rank";
    return rows
        .withColumn(rank, row_number().over(Window.partitionBy(keyColumns).orderBy(order.toArray(Column[]::new))))
        .filter(col(rank).equalTo(1).or(anyKeyNull))
        .drop(rank);
  }

  public String describe() {
    return (exact ? "exact" : "no exact") + (key.isEmpty() ? "" : "; latest by " + latestBy.orElseThrow()
        + " per " + String.join(", ", key));
  }

  private static Column quoted(String name) {
    return col("`" + name + "`");
  }
}
