package dev.kiln.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.shiftRightUnsigned;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Splits rows into a training part and a held-out test part by a seeded hash of the {@code by} columns (all columns
 * when empty). Unlike {@code randomSplit}, the result depends only on the values and the seed: every record of one
 * key lands on the same side, the split is identical on any cluster layout, and re-evaluating a model later recreates
 * exactly the rows it never saw.
 */
public final class HoldOutSplit {

  private final double testFraction;
  private final List<String> by;
  private final long seed;

  public HoldOutSplit(double testFraction, List<String> by, long seed) {
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException("test fraction must be in (0, 1), not " + testFraction);
    }
    this.testFraction = testFraction;
    this.by = List.copyOf(by);
    this.seed = seed;
  }

  public Dataset<Row> train(Dataset<Row> rows) {
    return rows.filter(isTest(rows).unary_$bang());
  }

  public Dataset<Row> test(Dataset<Row> rows) {
    return rows.filter(isTest(rows));
  }

  private Column isTest(Dataset<Row> rows) {
    return uniform(by.isEmpty() ? Arrays.asList(rows.columns()) : by, seed).lt(lit(testFraction));
  }

  /**
   * A number in [0, 1) from a seeded hash of {@code columns}' values: the same row gets the same number on any
   * layout. Also what chooses early-stopping validation rows and cross-validation folds.
   */
  public static Column uniform(List<String> columns, long seed) {
    List<Column> hashed = new ArrayList<>();
    hashed.add(lit(seed));
    columns.forEach(c -> hashed.add(col("`" + c + "`")));
    return shiftRightUnsigned(xxhash64(hashed.toArray(Column[]::new)), 11).cast("double")
        .divide(lit(9007199254740992.0));
  }

  public String describe() {
    return "hash of " + (by.isEmpty() ? "all columns" : String.join(", ", by)) + ", seed " + seed
        + ", test fraction " + testFraction;
  }
}
