package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.errors.InvalidInputException;
import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

@UsesSpark
class StratifiedSplitTest {

  /** 10,007 rows in three very unequal classes: 9,000, 997 and 10 rows. */
  private static Dataset<Row> skewed(SparkSession spark) {
    return spark.range(10_007).selectExpr("id", "id * 7 % 13 as x",
        "cast(case when id < 9000 then 0 when id < 9997 then 1 else 2 end as double) as y");
  }

  private static Map<Object, Long> perClass(Dataset<Row> rows, String label) {
    return rows.groupBy(label).count().collectAsList().stream()
        .collect(Collectors.toMap(r -> r.get(0), r -> r.getLong(1)));
  }

  @Test
  void everyClassKeepsExactlyItsShareOfTheTestSet(SparkSession spark) {
    Dataset<Row> rows = skewed(spark).cache();
    StratifiedSplit split = new StratifiedSplit(0.2, "y", List.of(), 42);

    Dataset<Row> test = split.test(rows);
    Dataset<Row> train = split.train(rows);
    // round(0.2 × 9000) = 1800, round(0.2 × 997) = round(199.4) = 199, round(0.2 × 10) = 2
    assertEquals(Map.of(0.0, 1800L, 1.0, 199L, 2.0, 2L), perClass(test, "y"));
    assertEquals(Map.of(0.0, 7200L, 1.0, 798L, 2.0, 8L), perClass(train, "y"));
    assertEquals(0, train.intersect(test).count(), "no row on both sides");
    assertTrue(split.describe().contains("held out per class: 0 1800/9000, 1 199/997, 2 2/10"), split.describe());

    // Seeded: another seed holds out other rows of a class, in the same numbers.
    Dataset<Row> other = new StratifiedSplit(0.2, "y", List.of(), 43).test(rows);
    assertEquals(Map.of(0.0, 1800L, 1.0, 199L, 2.0, 2L), perClass(other, "y"));
    assertTrue(test.except(other).count() > 1000, "a different seed chooses different rows");
    rows.unpersist();
  }

  @Test
  void textClassesAndTheSameRowsOnAnyPartitioning(SparkSession spark, DataFrameAssertions frames) {
    Dataset<Row> rows = spark.range(3_001).selectExpr("id",
        "element_at(array('adelie', 'chinstrap', 'gentoo'), cast(id % 3 as int) + 1) as species");
    StratifiedSplit split = new StratifiedSplit(0.3, "species", List.of(), 7);
    Dataset<Row> few = rows.repartition(2);
    Dataset<Row> many = rows.repartition(17);
    frames.assertEqualsIgnoringOrder(split.test(few), split.test(many));
    // 1,001 adelie (round(300.3) = 300), 1,000 of each other class (300).
    assertEquals(Map.of("adelie", 300L, "chinstrap", 300L, "gentoo", 300L), perClass(split.test(many), "species"));
  }

  @Test
  void withKeysWholeKeysAreHeldOutAndEachClassComesAsCloseAsWholeKeysAllow(SparkSession spark) {
    // 2,000 customers with 1 to 5 rows each; a customer-level label: one customer in five churned.
    Dataset<Row> rows = spark.range(6_000).selectExpr("id % 2000 as customer", "id")
        .filter("id < 2000 or (customer % 5) >= (id div 2000) + 1")
        .selectExpr("customer", "id", "cast(customer % 5 = 0 as double) as churned").cache();
    Map<Object, Long> all = perClass(rows, "churned");
    StratifiedSplit split = new StratifiedSplit(0.25, "churned", List.of("customer"), 11);

    Dataset<Row> test = split.test(rows);
    Dataset<Row> train = split.train(rows);
    assertEquals(0, test.select("customer").intersect(train.select("customer")).count(), "no key on both sides");
    assertEquals(rows.count(), test.count() + train.count());
    Map<Object, Long> held = perClass(test, "churned");
    for (Object c : all.keySet()) {
      long target = Math.round(0.25 * all.get(c));
      assertTrue(held.get(c) >= target && held.get(c) < target + 3, c + ": " + held.get(c) + " rows held out, "
          + "target " + target + " (keys hold at most 3 rows)");
    }
    rows.unpersist();
  }

  @Test
  void keysWithRowsOfSeveralClassesAreRefused(SparkSession spark) {
    Dataset<Row> rows = spark.range(1000).selectExpr("id % 100 as customer",
        "cast(id < 500 or id % 100 >= 60 as double) as y"); // customers 0-59 have rows of both classes
    InvalidInputException error = assertThrows(InvalidInputException.class,
        () -> new StratifiedSplit(0.2, "y", List.of("customer"), 1).test(rows));
    assertTrue(error.getMessage().contains("60 keys have rows of more than one class of 'y'"), error.getMessage());
  }
}
