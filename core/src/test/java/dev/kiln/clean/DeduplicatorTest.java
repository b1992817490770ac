package dev.kiln.clean;

import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

@UsesSpark
class DeduplicatorTest {

  private static final String ROWS = "select * from values "
      + "('a', 1, 10.0D), ('a', 1, 10.0D), ('a', 3, 12.0D), ('b', 2, 5.0D), ('b', 2, 6.0D), "
      + "(null, 1, 1.0D), (null, 2, 2.0D) as t(id, ts, amount)";

  @Test
  void exactDuplicatesGoFirstThenAllButTheLatestRecordOfAKey(DataFrameAssertions frames) {
    Dedup dedup = new Dedup(new Deduplicator(true, List.of("id"), Optional.of("ts")), frames.sql(ROWS));
    frames.assertEqualsIgnoringOrder(frames.sql("select * from values ('a', 1, 10.0D), ('a', 3, 12.0D), "
        + "('b', 2, 5.0D), ('b', 2, 6.0D), (null, 1, 1.0D), (null, 2, 2.0D) as t(id, ts, amount)"), dedup.exact);
    // 'b' has two records at the same time: the tie is broken by a hash of the row, the same every run.
    Dataset<Row> latest = dedup.keyed;
    frames.assertEqualsIgnoringOrder(latest.filter("id = 'a' or id is null"),
        frames.sql("select * from values ('a', 3, 12.0D), (null, 1, 1.0D), (null, 2, 2.0D) as t(id, ts, amount)"));
    frames.assertEqualsIgnoringOrder(latest.filter("id = 'b'"), new Dedup(
        new Deduplicator(true, List.of("id"), Optional.of("ts")), frames.sql(ROWS).repartition(3)).keyed
        .filter("id = 'b'"));
    org.junit.jupiter.api.Assertions.assertEquals(1, latest.filter("id = 'b'").count());
  }

  @Test
  void withoutAKeyOnlyExactDuplicatesGo(DataFrameAssertions frames) {
    Deduplicator exactOnly = new Deduplicator(true, List.of(), Optional.empty());
    Dataset<Row> rows = frames.sql(ROWS);
    frames.assertEqualsIgnoringOrder(rows.distinct(), exactOnly.keepLatestPerKey(exactOnly.dropExactDuplicates(rows)));
    Deduplicator nothing = new Deduplicator(false, List.of(), Optional.empty());
    frames.assertEqualsIgnoringOrder(rows, nothing.dropExactDuplicates(rows));
  }

  @Test
  void aKeyNeedsAnOrderingColumn() {
    assertThrows(IllegalArgumentException.class, () -> new Deduplicator(true, List.of("id"), Optional.empty()));
  }

  private static final class Dedup {
    final Dataset<Row> exact;
    final Dataset<Row> keyed;

    Dedup(Deduplicator dedup, Dataset<Row> rows) {
      exact = dedup.dropExactDuplicates(rows);
      keyed = dedup.keepLatestPerKey(exact);
    }
  }
}
