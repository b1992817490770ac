package dev.kiln.profile;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.testing.UsesSpark;
import java.util.List;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.stat.Correlation;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

@UsesSpark
class RankCorrelationTest {

  @Test
  void agreesWithSparkMlsSpearmanTiesIncluded(SparkSession spark) {
    // Continuous, heavily tied (0/1, a few integers), -0.0 beside 0.0, and a column that is null in some rows.
    Dataset<Row> rows = spark.range(5_000).repartition(4).selectExpr(
        "sin(id * 0.7) * 100 as a",
        "cast(id % 2 as double) as b",
        "cast(pmod(hash(id), 7) as double) as c",
        "case when id % 3 = 0 then -0.0D when id % 3 = 1 then 0.0D else cast(id % 5 as double) end as d",
        "case when id % 11 = 0 then null else cos(id) + id / 1000.0 end as e");
    List<String> names = List.of("a", "b", "c", "d", "e");
    List<Column> finite = names.stream().map(n -> col(n)).toList();
    Profile.CorrelationMatrix ours = RankCorrelation.spearman(rows, names, finite, 1.0);

    Dataset<Row> complete = rows.na().drop();
    Dataset<Row> vectors = complete.select(org.apache.spark.ml.functions.array_to_vector(
        org.apache.spark.sql.functions.array(finite.toArray(Column[]::new))).as("v"));
    Matrix theirs = Correlation.corr(vectors, "v", "spearman").head().getAs(0);
    assertEquals(complete.count(), ours.completeRows().orElseThrow());
    for (int i = 0; i < names.size(); i++) {
      for (int j = 0; j < names.size(); j++) {
        assertEquals(theirs.apply(i, j), ours.value(names.get(i), names.get(j)), 1e-12,
            names.get(i) + ", " + names.get(j));
      }
    }
  }
}
