package dev.kiln.train;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.shiftRightUnsigned;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Splits rows into a training part and a held-out test part by a seeded hash of the {@code by} columns (all columns
 * when empty): {@code evaluation.split = random}. Unlike {@code randomSplit}, the result depends only on the values
 * and the seed: every record of one key lands on the same side, the split is identical on any cluster layout, and
 * re-evaluating a model later recreates exactly the rows it never saw.
 */
public final class HoldOutSplit extends DecidedSplit {

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

  @Override
  Column decide(Dataset<Row> rows) {
    return unit(seededHash(rows, by, seed)).lt(lit(testFraction));
  }

  /**
   * A number in [0, 1) from the seeded hash of {@code columns}' values (at least one), as the split computes it: the
   * same row gets the same number on any layout. Also what chooses early-stopping validation rows and
   * cross-validation folds.
   */
  public static Column uniform(List<String> columns, long seed) {
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("name the columns to hash");
    }
    return unit(seededHash(null, columns, seed));  // the rows are read only for "every column"
  }

  private static Column unit(Column hash) {
    return shiftRightUnsigned(hash, 11).cast("double").divide(lit(9007199254740992.0));
  }

  @Override
  public String describe() {
    return "hash of " + (by.isEmpty() ? "all columns" : String.join(", ", by)) + ", seed " + seed
        + ", test fraction " + testFraction;
  }
}
