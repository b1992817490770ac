package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

@UsesSpark
class HoldOutSplitTest {

  @Test
  void trainAndTestPartitionTheRows(SparkSession spark) {
    Dataset<Row> rows = spark.range(50_000).selectExpr("id", "id % 1000 as customer");
    HoldOutSplit split = new HoldOutSplit(0.2, List.of(), 42);
    long train = split.train(rows).count();
    long test = split.test(rows).count();
    assertEquals(50_000, train + test);
    assertEquals(10_000, test, 500);
    assertEquals(0, split.train(rows).intersect(split.test(rows)).count());
  }

  @Test
  void everyRecordOfAKeyFallsOnOneSide(SparkSession spark) {
    Dataset<Row> rows = spark.range(20_000).selectExpr("id", "id % 500 as customer");
    HoldOutSplit split = new HoldOutSplit(0.3, List.of("customer"), 7);
    long shared = split.train(rows).select("customer").intersect(split.test(rows).select("customer")).count();
    assertEquals(0, shared);
  }

  @Test
  void theSplitIsTheSameWhateverThePartitioning(SparkSession spark, DataFrameAssertions frames) {
    Dataset<Row> rows = spark.range(10_000).selectExpr("id", "cast(id as string) as name");
    HoldOutSplit split = new HoldOutSplit(0.25, List.of(), 1);
    frames.assertEqualsIgnoringOrder(split.test(rows.repartition(2)), split.test(rows.repartition(11)));
  }
}
