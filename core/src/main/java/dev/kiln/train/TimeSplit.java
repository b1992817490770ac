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
import java.util.Map;
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
 * of the k-th latest row, k = max(1, round(testFraction × rows)), found exactly (no approximate quantile, so the same
 * on any partitioning) by narrowing a histogram of the times: each pass counts the rows in up to {@value #BUCKETS}
 * equal-width buckets of the range still in question and keeps the bucket holding the k-th latest row, so the driver
 * only ever receives bucket counts, never rows, and a year of microsecond timestamps needs three passes. Rows at the cutoff time all go to test, so ties can hold out a little
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
    Column ordinal = ordinal(time, type);
    long cutoff = kthLatest(rows.select(ordinal.as("t")), k);
    decided = String.format(Locale.ROOT, ": test from %s (the latest %,d of %,d rows and any at that time)",
        format(cutoff, type), k, rowCount);
    return ordinal.geq(lit(cutoff));
  }

  /** Buckets per narrowing pass: the most rows of (bucket, count) the driver receives at once. */
  static final int BUCKETS = 100_000;

  /** The k-th largest value of the non-null long column {@code t}, exactly, from bucket counts only. */
  static long kthLatest(Dataset<Row> times, long k) {
    Column t = col("t");
    Row range = times.agg(org.apache.spark.sql.functions.min(t), org.apache.spark.sql.functions.max(t)).head();
    long lo = range.getLong(0);
    long hi = range.getLong(1);
    long wanted = k;
    while (lo < hi) {
      // Width so that BUCKETS buckets cover [lo, hi]; computed without overflowing for any long range.
      long width = Math.max(1, Long.divideUnsigned(hi - lo, BUCKETS) + 1);
      Column bucket = t.minus(lit(lo)).divide(lit(width)).cast("long");
      Map<Long, Long> counts = new java.util.TreeMap<>(java.util.Comparator.reverseOrder());
      for (Row r : times.filter(t.between(lo, hi)).groupBy(bucket.as("b")).count().collectAsList()) {
        counts.put(r.getLong(0), r.getLong(1));
      }
      long later = 0;
      long chosen = -1;
      for (Map.Entry<Long, Long> entry : counts.entrySet()) {
        if (later + entry.getValue() >= wanted) {
          chosen = entry.getKey();
          break;
        }
        later += entry.getValue();
      }
      if (chosen < 0) {
        throw new IllegalStateException("fewer than " + wanted + " rows between " + lo + " and " + hi);
      }
      wanted -= later;
      lo = lo + chosen * width;
      hi = Math.min(hi, lo + width - 1);
      if (width == 1) {
        break;
      }
    }
    return lo;
  }

  /**
   * A long that orders like the time: days since the epoch for a date, microseconds since the epoch for a timestamp,
   * and, for a timestamp without a time zone, its fields read as UTC (never the session's zone, whose daylight-saving
   * changes would break the order).
   */
  static Column ordinal(Column time, DataType type) {
    if (type instanceof DateType) {
      return org.apache.spark.sql.functions.unix_date(time).cast("long");
    }
    if (type instanceof TimestampType) {
      return org.apache.spark.sql.functions.unix_micros(time);
    }
    Column days = org.apache.spark.sql.functions.unix_date(org.apache.spark.sql.functions.to_date(time)).cast("long");
    Column micros = org.apache.spark.sql.functions.hour(time).cast("long").multiply(3_600_000_000L)
        .plus(org.apache.spark.sql.functions.minute(time).cast("long").multiply(60_000_000L))
        .plus(org.apache.spark.sql.functions.date_part(lit("SECOND"), time).multiply(1_000_000L).cast("long"));
    return days.multiply(86_400_000_000L).plus(micros);
  }

  private static String format(long ordinal, DataType type) {
    if (type instanceof DateType) {
      return LocalDate.ofEpochDay(ordinal).toString();
    }
    Instant instant = Instant.EPOCH.plus(ordinal, java.time.temporal.ChronoUnit.MICROS);
    return type instanceof TimestampType ? instant.toString()
        : LocalDateTime.ofInstant(instant, ZoneOffset.UTC).toString();
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

  @Override
  public String describe() {
    return "time: " + column + testFrom.map(f -> " from " + f + " is test").orElse(String.format(Locale.ROOT,
        ", latest test fraction %s", testFraction)) + decided;
  }
}
