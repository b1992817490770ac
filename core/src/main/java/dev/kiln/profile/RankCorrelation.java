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
 */
final class RankCorrelation {

  private RankCorrelation() {}

  /** @param finite each column as a double, null where it is missing or not finite */
  static CorrelationMatrix spearman(Dataset<Row> rows, List<String> names, List<Column> finite) {
    if (names.size() < 2) {
      return CorrelationMatrix.empty("spearman");
    }
    Column complete = finite.stream().map(Column::isNotNull).reduce(lit(true), Column::and);
    Dataset<Row> vectors = rows.where(complete)
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
