package dev.kiln.sample;

import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Exactly {@code size} rows (or every row, when there are fewer): the rows with the smallest seeded hash. Spark runs
 * this as a top-k per partition and one merge, so it never sorts the whole input; the choice depends only on the
 * rows' values and the seed.
 */
public final class FixedSizeSampler implements Sampler {

  private final long size;
  private final long seed;

  public FixedSizeSampler(long size, long seed) {
    if (size < 1 || size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("size must be 1 to " + Integer.MAX_VALUE + ", not " + size);
    }
    this.size = size;
    this.seed = seed;
  }

  @Override
  public Dataset<Row> sample(Dataset<Row> rows) {
    String rank = "__kiln_rank";
    return rows.withColumn(rank, BernoulliSampler.uniform(rows, seed)).orderBy(rank).limit((int) size).drop(rank);
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "fixed size=%d seed=%d", size, seed);
  }
}
