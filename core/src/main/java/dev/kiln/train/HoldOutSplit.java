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
    Column uniform = shiftRightUnsigned(seededHash(rows, by, seed), 11).cast("double")
        .divide(lit(9007199254740992.0));
    return uniform.lt(lit(testFraction));
  }

  @Override
  public String describe() {
    return "hash of " + (by.isEmpty() ? "all columns" : String.join(", ", by)) + ", seed " + seed
        + ", test fraction " + testFraction;
  }
}
