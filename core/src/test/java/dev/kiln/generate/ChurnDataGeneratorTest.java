package dev.kiln.generate;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@UsesSpark
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChurnDataGeneratorTest {

  private static final ChurnDataGenerator.Spec SPEC = ChurnDataGenerator.Spec.of(20_000, 11);
  private Dataset<Row> table;

  @BeforeAll
  void generate(SparkSession spark) {
    table = new ChurnDataGenerator(SPEC).generate(spark, 3).cache();
  }

  @Test
  void rowCountsAreExactByConstruction() {
    assertEquals(20_000, table.count());
    assertEquals(400, SPEC.duplicateRows());
    assertEquals(1_000, SPEC.resentRows());
    assertEquals(SPEC.rows() - SPEC.duplicateRows(), table.distinct().count(), "exact duplicates");
    assertEquals(SPEC.customers(), table.select("customer_id").distinct().count(), "re-sent records");
    assertEquals(ChurnDataGenerator.COLUMNS, List.of(table.columns()));
  }

  @Test
  void theSameSeedGivesTheSameTableWhateverThePartitioning(SparkSession spark, DataFrameAssertions frames) {
    frames.assertEqualsIgnoringOrder(table, new ChurnDataGenerator(SPEC).generate(spark, 7));
    Dataset<Row> otherSeed = new ChurnDataGenerator(ChurnDataGenerator.Spec.of(20_000, 12)).generate(spark, 3);
    assertTrue(table.except(otherSeed).count() > 19_000, "another seed gives other rows");
  }

  @Test
  void theTableIsMessyAtTheConfiguredRates() {
    double rows = table.count();
    double missingAge = table.filter(col("age").isNull()).count() / rows;
    assertEquals(0.06, missingAge, 0.01, "age is missing at 1.2 x the base rate");
    assertTrue(table.filter(col("age").equalTo(999)).count() > 0, "sentinel ages");
    assertTrue(table.filter(col("monthly_charges").lt(0)).count() > 0, "negative charges");
    assertTrue(table.filter(col("monthly_charges").gt(1000)).count() > 0, "charges entered in cents");
    long spellings = table.select("country").distinct().count();
    assertTrue(spellings > 15, "countries come in many spellings: " + spellings);
    assertTrue(table.filter(col("country").equalTo("usa")).count() > 0);
  }

  @Test
  void theLabelHasRealButImperfectSignal() {
    double monthly = rate(table.filter(col("contract").equalTo("month-to-month")));
    double twoYear = rate(table.filter(col("contract").equalTo("two-year")));
    double overall = rate(table);
    assertTrue(monthly > twoYear + 0.15, "month-to-month customers churn more: " + monthly + " vs " + twoYear);
    assertTrue(overall > 0.1 && overall < 0.5, "a minority churns: " + overall);
  }

  private static double rate(Dataset<Row> rows) {
    return rows.agg(avg(col("churned"))).head().getDouble(0);
  }
}
