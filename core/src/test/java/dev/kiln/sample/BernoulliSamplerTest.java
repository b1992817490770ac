package dev.kiln.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

@UsesSpark
class BernoulliSamplerTest {

  @Test
  void keepsAboutTheFraction(SparkSession spark) {
    Dataset<Row> rows = spark.range(100_000).toDF("id");
    long kept = new BernoulliSampler(0.1, 42).sample(rows).count();
    assertEquals(10_000, kept, 400, "within 4 standard deviations");
  }

  @Test
  void theSameSeedPicksTheSameRowsWhateverThePartitioning(SparkSession spark, DataFrameAssertions frames) {
    Dataset<Row> rows = spark.range(20_000).selectExpr("id", "id % 7 as g");
    BernoulliSampler sampler = new BernoulliSampler(0.3, 42);
    frames.assertEqualsIgnoringOrder(sampler.sample(rows.repartition(2)), sampler.sample(rows.repartition(9)));
    long overlap = sampler.sample(rows).intersect(new BernoulliSampler(0.3, 43).sample(rows)).count();
    assertTrue(overlap < 0.4 * 6_000, "another seed picks other rows: " + overlap);
  }

  @Test
  void aFractionOfOneKeepsEverything(SparkSession spark) {
    Dataset<Row> rows = spark.range(10).toDF();
    assertSame(rows, new BernoulliSampler(1.0, 1).sample(rows));
    assertThrows(IllegalArgumentException.class, () -> new BernoulliSampler(0, 1));
  }
}
