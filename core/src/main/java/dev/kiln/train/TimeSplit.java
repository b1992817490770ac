package dev.kiln.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import dev.kiln.errors.ConfigProblem;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.errors.InvalidInputException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * {@code evaluation.split = time}: train on the past, test on the future, the honest split for data that changes
 * over time. The test set is every row whose {@code column} (a date or timestamp) is at or after
 * {@code testFrom}; without it, at or after a cutoff that holds out the latest {@code testFraction} of rows: the time
 * of the k-th latest row, k = max(1, round(testFraction × rows)), found exactly with one top-k pass (no approximate
 * quantile, so the same on any partitioning). Rows at the cutoff time all go to test, so ties can hold out a little
 * more than the fraction. A date column compares with {@code testFrom} as its midnight UTC; timestamps without a
 * time zone as UTC. Every row must have a time: a null one is refused (a contract with {@code nullable = false}
 * quarantines such rows first).
 */
public final class TimeSplit extends DecidedSplit {

  /** The config key of the column, for the problems this split reports. */
  public static final String COLUMN_KEY = "evaluation.time-column";

  private final String column;
  private final Optional<Instant> testFrom;
  private final double testFraction;
  private volatile String decided = "";

  public TimeSplit(String column, Optional<Instant> testFrom, double testFraction) {
    if (testFrom.isEmpty() && !(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException("test fraction must be in (0, 1), not " + testFraction);
    }
    this.column = column;
    this.testFrom = testFrom;
    this.testFraction = testFraction;
  }

  /**
   * Refuses a time column that {@code schema} lacks or that is not a date or timestamp: a config problem on
   * {@value #COLUMN_KEY}, found before any work on the rows.
   */
  public static void checkColumn(String column, StructType schema) {
    String problem = null;
    if (!List.of(schema.fieldNames()).contains(column)) {
      problem = "column '" + column + "' is not in the rows (their columns: " + String.join(", ",
          schema.fieldNames()) + ")";
    } else if (!isTime(schema.apply(column).dataType())) {
      problem = "column '" + column + "' is " + schema.apply(column).dataType().simpleString() + "; a time split "
          + "needs a date or timestamp column (a text column can be typed by the contract: contract.columns."
          + column + ".type = date)";
    }
    if (problem != null) {
      throw new InvalidConfigException(List.of(new ConfigProblem("the data", COLUMN_KEY, problem)));
    }
  }

  private static boolean isTime(DataType type) {
    return type instanceof DateType || type instanceof TimestampType || type instanceof TimestampNTZType;
  }

  @Override
  Column decide(Dataset<Row> rows) {
    checkColumn(column, rows.schema());
    Column time = col("`" + column + "`");
    Row counts = rows.agg(count(lit(1)), count(time)).head();
    long missing = counts.getLong(0) - counts.getLong(1);
    if (missing > 0) {
      throw new InvalidInputException(String.format(Locale.ROOT, "%s '%s' has no value in %,d rows; a time split "
          + "needs every row's time (a contract with nullable = false quarantines such rows)", COLUMN_KEY, column,
          missing));
    }
    DataType type = rows.schema().apply(column).dataType();
    if (testFrom.isPresent()) {
      decided = "";
      return time.geq(literal(testFrom.get(), type));
    }
    long rowCount = counts.getLong(1);
    if (rowCount == 0) {
      decided = "; no rows";
      return lit(false);
    }
    long k = Math.max(1, Math.round(testFraction * rowCount));
    // The k-th latest time: each partition keeps its k latest, then they are merged (TakeOrderedAndProject).
    Object cutoff = rows.select(time).orderBy(time.desc()).offset((int) Math.min(k - 1, Integer.MAX_VALUE))
        .limit(1).head().get(0);
    decided = String.format(Locale.ROOT, ": test from %s (the latest %,d of %,d rows and any at that time)",
        format(cutoff), k, rowCount);
    return time.geq(lit(cutoff));
  }

  /** {@code from} as a literal comparable with a column of {@code type}: a date column's first date at or after it. */
  static Column literal(Instant from, DataType type) {
    if (type instanceof DateType) {
      LocalDate date = LocalDate.ofInstant(from, ZoneOffset.UTC);
      return lit(date.atStartOfDay(ZoneOffset.UTC).toInstant().equals(from) ? date : date.plusDays(1));
    }
    if (type instanceof TimestampNTZType) {
      return lit(LocalDateTime.ofInstant(from, ZoneOffset.UTC));
    }
    return lit(java.sql.Timestamp.from(from));
  }

  private static String format(Object value) {
    if (value instanceof java.sql.Timestamp t) {
      return t.toInstant().toString();
    }
    if (value instanceof Instant i) {
      return i.toString();
    }
    return String.valueOf(value);
  }

  @Override
  public String describe() {
    return "time: " + column + testFrom.map(f -> " from " + f + " is test").orElse(String.format(Locale.ROOT,
        ", latest test fraction %s", testFraction)) + decided;
  }
}
