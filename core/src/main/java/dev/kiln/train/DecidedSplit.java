package dev.kiln.train;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A split whose rule — a boolean "is a test row" expression over a row's own values — may need a look at the data
 * first (a cutoff, per-class thresholds). The rule is decided once for a given {@link Dataset} object and reused for
 * its train and test sides, so both see the same decision and the data is read for it once; train and test are
 * filters, which keep the rows' partitioning and order.
 */
abstract class DecidedSplit implements Split {

  private Dataset<Row> decidedFor;
  private Column rule;

  /** The "is a test row" rule for {@code rows}; may run jobs over them. Never null for a row. */
  abstract Column decide(Dataset<Row> rows);

  @Override
  public final Dataset<Row> train(Dataset<Row> rows) {
    return rows.filter(rule(rows).unary_$bang());
  }

  @Override
  public final Dataset<Row> test(Dataset<Row> rows) {
    return rows.filter(rule(rows));
  }

  private synchronized Column rule(Dataset<Row> rows) {
    if (decidedFor != rows) {
      rule = coalesce(decide(rows), lit(false));
      decidedFor = rows;
    }
    return rule;
  }

  /** The seeded 64-bit hash the random and stratified splits rank rows by: of {@code by}, or of every column. */
  static Column seededHash(Dataset<Row> rows, List<String> by, long seed) {
    return xxhash64(hashed(rows, by, seed));
  }

  /** A second, independent hash of the same values, which orders rows whose 64-bit hashes collide. */
  static Column tieBreakHash(Dataset<Row> rows, List<String> by, long seed) {
    return org.apache.spark.sql.functions.hash(hashed(rows, by, seed));
  }

  private static Column[] hashed(Dataset<Row> rows, List<String> by, long seed) {
    List<String> columns = by.isEmpty() ? Arrays.asList(rows.columns()) : by;
    List<Column> hashed = new ArrayList<>();
    hashed.add(lit(seed));
    columns.forEach(c -> hashed.add(col("`" + c + "`")));
    return hashed.toArray(Column[]::new);
  }
}
