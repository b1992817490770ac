package dev.kiln.clean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.function.Executable;

/** Brief expectations for the cleaning stages' tests. */
final class StageAssertions {

  private StageAssertions() {}

  /** {@code action} fails with an {@link IllegalArgumentException} saying exactly {@code expected}. */
  static void assertMessage(String expected, Executable action) {
    assertEquals(expected, assertThrows(IllegalArgumentException.class, action).getMessage());
  }

  static Row row(Object... values) {
    return RowFactory.create(values);
  }

  /** The {@code columns} of {@code frame}, ordered by the first one. */
  static List<Row> sorted(Dataset<Row> frame, String... columns) {
    return frame.selectExpr(columns).orderBy(columns[0]).collectAsList();
  }
}
