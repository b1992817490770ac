package dev.kiln.source;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.sql.Timestamp;
import java.time.Instant;
import org.apache.spark.sql.Column;

/**
 * Rows whose {@code column} lies in {@code [start, end)}. Absolute instants, so a window given as "the last 90 days"
 * is recorded as the bounds it had when the sample was taken, and can be taken again.
 */
public record TimeWindow(String column, Instant start, Instant end) {

  public TimeWindow {
    if (!start.isBefore(end)) {
      throw new IllegalArgumentException("window start " + start + " is not before its end " + end);
    }
  }

  /** The window as a Spark filter; date, timestamp and ISO-8601 string columns compare as timestamps. */
  public Column filter() {
    Column value = col("`" + column + "`").cast("timestamp");
    return value.geq(lit(Timestamp.from(start))).and(value.lt(lit(Timestamp.from(end))));
  }

  public String describe() {
    return column + " in [" + start + ", " + end + ")";
  }
}
