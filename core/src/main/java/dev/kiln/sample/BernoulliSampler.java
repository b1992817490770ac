package dev.kiln.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.shiftRightUnsigned;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Keeps each row with probability {@code fraction}, deciding by a seeded hash of the row's values rather than by a
 * per-partition random stream (which is what {@code Dataset.sample} does). So the sample depends only on the data and
 * the seed, not on how files were split into partitions — a local run and a cluster run select the same rows.
 */
public final class BernoulliSampler implements Sampler {

  private final double fraction;
  private final long seed;

  public BernoulliSampler(double fraction, long seed) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction must be in (0, 1], not " + fraction);
    }
    this.fraction = fraction;
    this.seed = seed;
  }

  @Override
  public Dataset<Row> sample(Dataset<Row> rows) {
    if (fraction >= 1.0) {
      return rows;
    }
    return rows.filter(uniform(rows, seed).lt(lit(fraction)));
  }

  /** A uniform double in [0, 1) per row, from the row's data values (not Kiln's bookkeeping columns) and the seed. */
  public static Column uniform(Dataset<Row> rows, long seed) {
    Column[] values = dev.kiln.source.Source.dataColumns(rows).stream().map(c -> col("`" + c + "`"))
        .toArray(Column[]::new);
    Column[] seeded = new Column[values.length + 1];
    seeded[0] = lit(seed);
    System.arraycopy(values, 0, seeded, 1, values.length);
    return shiftRightUnsigned(xxhash64(seeded), 11).cast("double").divide(lit(9007199254740992.0));
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "bernoulli fraction=%s seed=%d", fraction, seed);
  }
}
