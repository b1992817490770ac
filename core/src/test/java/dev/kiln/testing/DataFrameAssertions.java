package dev.kiln.testing;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * spark-testing-base's DataFrame assertions for JUnit 5 tests. (Its base classes are JUnit 4 suites whose lifecycle
 * Jupiter ignores; only the assertions are wanted, and they need no session of their own.) Schemas compare strictly:
 * in SQL {@code 1.0} is DECIMAL(2,1), write {@code 1.0D}.
 */
public final class DataFrameAssertions {

  private final SparkSession spark;
  private final JavaDataFrameSuiteBase base = new JavaDataFrameSuiteBase();

  DataFrameAssertions(SparkSession spark) {
    this.spark = spark;
  }

  /** Same schema, same rows in the same order. */
  public void assertEquals(Dataset<Row> expected, Dataset<Row> actual) {
    base.assertDataFrameEquals(expected, actual, base.assertDataFrameEquals$default$3());
  }

  /** Same schema and rows, in any order. */
  public void assertEqualsIgnoringOrder(Dataset<Row> expected, Dataset<Row> actual) {
    base.assertDataFrameNoOrderEquals(expected, actual);
  }

  /** Same schema and rows in order, doubles within {@code tolerance}. */
  public void assertApproximatelyEquals(Dataset<Row> expected, Dataset<Row> actual, double tolerance) {
    base.assertDataFrameApproximateEquals(expected, actual, tolerance);
  }

  /** {@code sql} run on the shared session, for writing expected frames briefly. */
  public Dataset<Row> sql(String sql) {
    return spark.sql(sql);
  }
}
