package dev.kiln.profile;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.lit;

import dev.kiln.profile.Profile.CorrelationMatrix;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.stat.Correlation;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Spearman's rank correlation matrix by Spark ML's {@link Correlation} (ranks with ties averaged, then Pearson on the
 * ranks). Ranking needs one set of rows for all columns, so the rows used are those where every column is finite;
 * they are read once into a cache of vectors that both the count and the ranking read.
 *
 * <p>Ranking sorts every value of every column: one shuffle and sort of rows × columns entries, whose cost grows
 * faster than the rest of the profile's (see bench/README.md, clean + profile). Above a number of rows the ranks are
 * therefore those of a seeded Bernoulli sample of the rows; the sampling error of Spearman's coefficient on a million
 * rows is about 0.001.
 */
final class RankCorrelation {

  /** The seed of the rank sample: a profile of the same rows is the same profile. */
  static final long SEED = 42;

  private RankCorrelation() {}

  /** The share of a table of {@code rows} rows to rank so that about {@code rankedRows} are: 1 for small tables. */
  static double fraction(long rows, long rankedRows) {
    return rows <= rankedRows ? 1.0 : (double) rankedRows / rows;
  }

  /**
   * @param finite each column as a double, null where it is missing or not finite
   * @param fraction the share of the rows to rank (a seeded Bernoulli sample), 1 for all
   */
  static CorrelationMatrix spearman(Dataset<Row> rows, List<String> names, List<Column> finite, double fraction) {
    if (names.size() < 2) {
      return CorrelationMatrix.empty("spearman");
    }
    Column complete = finite.stream().map(Column::isNotNull).reduce(lit(true), Column::and);
    Dataset<Row> ranked = fraction < 1 ? rows.sample(false, fraction, SEED) : rows;
    Dataset<Row> vectors = ranked.where(complete)
        .select(org.apache.spark.ml.functions.array_to_vector(array(finite.toArray(Column[]::new))).as("v"))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long n = vectors.count();
      List<Double> values = new ArrayList<>(Collections.nCopies(names.size() * names.size(), Double.NaN));
      if (n >= 2) {
        Matrix matrix = Correlation.corr(vectors, "v", "spearman").head().getAs(0);
        for (int i = 0; i < names.size(); i++) {
          for (int j = 0; j < names.size(); j++) {
            values.set(i * names.size() + j, matrix.apply(i, j));
          }
        }
      }
      return new CorrelationMatrix("spearman", names, values, Optional.of(n));
    } finally {
      vectors.unpersist();
    }
  }
}
