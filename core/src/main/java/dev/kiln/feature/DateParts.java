package dev.kiln.feature;

import static dev.kiln.clean.StageColumns.quoted;
import static org.apache.spark.sql.functions.date_from_unix_date;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.dayofmonth;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.from_utc_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.month;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.unix_micros;
import static org.apache.spark.sql.functions.weekday;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.year;

import dev.kiln.clean.StageColumns;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Numeric parts of a date or timestamp column, one double column each, named {@code <input>__<part>} ({@code -}
 * becomes {@code _}: {@code signup__day_of_month}, {@code signup__days_since}). Nothing is learnt: a
 * {@link Transformer}, saved with its params.
 *
 * <p><b>Parts</b> ({@code parts}): {@code year}; {@code month} 1–12; {@code day-of-month} 1–31; {@code weekday} by
 * ISO 8601, Monday = 1 … Sunday = 7 (Java's {@code DayOfWeek.getValue()}; not Spark's {@code dayofweek}, which
 * starts on Sunday); {@code hour} 0–23 (0 for a date). With {@code daysSince} (an ISO date), also the number of days
 * from that date to the value's date, negative before it.
 *
 * <p><b>Time zone</b>: a timestamp is an instant; its parts are those of its local date and time in
 * {@code timeZone} (default {@code UTC}), whatever Spark's session time zone is, so the saved model gives the same
 * parts on any cluster and in {@link #partsOf(Object)}. A date, and a {@code timestamp_ntz} (a local date and time),
 * have no zone: their parts are read as they are.
 *
 * <p><b>Missing</b>: null in, null out for every part (the imputer after it fills them).
 *
 * <p><b>Without Spark</b>: {@link #partsOf(Object)} computes the parts of one {@code java.time} value (or
 * {@code java.sql.Date}/{@code Timestamp}, as Spark's rows hold them) exactly as {@link #transform} does.
 */
public final class DateParts extends Transformer implements DefaultParamsWritable {

  public static final String STAGE = "DateParts";
  public static final String YEAR = "year";
  public static final String MONTH = "month";
  public static final String DAY_OF_MONTH = "day-of-month";
  public static final String WEEKDAY = "weekday";
  public static final String HOUR = "hour";
  public static final List<String> PARTS = List.of(YEAR, MONTH, DAY_OF_MONTH, WEEKDAY, HOUR);
  /** The output name's suffix of the days since {@code daysSince}. */
  public static final String DAYS_SINCE = "days_since";

  private static final long MICROS_PER_DAY = 86_400_000_000L;
  private static final long MICROS_PER_HOUR = 3_600_000_000L;

  private final String uid;
  private final Param<String> inputCol;
  private final StringArrayParam parts;
  private final Param<String> daysSince;
  private final Param<String> timeZone;

  public DateParts(String uid) {
    this.uid = uid;
    inputCol = new Param<>(this, "inputCol", "the date or timestamp column");
    parts = new StringArrayParam(this, "parts", "the parts to output: " + String.join(", ", PARTS));
    daysSince = new Param<>(this, "daysSince", "an ISO date (2000-01-01): also output the days from it to each "
        + "value's date; empty: not");
    timeZone = new Param<>(this, "timeZone", "the zone a timestamp's local date and time are read in (UTC, "
        + "Europe/Paris, +02:00)");
    setDefault(parts, new String[] {YEAR, MONTH, DAY_OF_MONTH, WEEKDAY});
    setDefault(daysSince, "");
    setDefault(timeZone, "UTC");
  }

  public DateParts() {
    this(Identifiable.randomUID("dateParts"));
  }

  /** Spark's {@code DefaultParamsReader} finds this by reflection when {@code PipelineModel.load} meets this stage. */
  public static MLReader<DateParts> read() {
    return new DefaultParamsReader<>();
  }

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> inputCol() {
    return inputCol;
  }

  public StringArrayParam parts() {
    return parts;
  }

  public Param<String> daysSince() {
    return daysSince;
  }

  public Param<String> timeZone() {
    return timeZone;
  }

  public String getInputCol() {
    return getOrDefault(inputCol);
  }

  public String[] getParts() {
    return getOrDefault(parts);
  }

  public String getDaysSince() {
    return getOrDefault(daysSince);
  }

  public String getTimeZone() {
    return getOrDefault(timeZone);
  }

  public DateParts setInputCol(String column) {
    set(inputCol, column);
    return this;
  }

  public DateParts setParts(String... names) {
    set(parts, names);
    return this;
  }

  /** {@code date}: an ISO date such as {@code 2000-01-01}; empty: no days-since column. */
  public DateParts setDaysSince(String date) {
    set(daysSince, date);
    return this;
  }

  public DateParts setTimeZone(String zone) {
    set(timeZone, zone);
    return this;
  }

  /** The columns it adds, in order: one for each part, then the days since {@code daysSince} if set. */
  public String[] getOutputCols() {
    List<String> names = new ArrayList<>();
    for (String part : getParts()) {
      names.add(getInputCol() + "__" + part.replace('-', '_'));
    }
    if (!getDaysSince().isEmpty()) {
      names.add(getInputCol() + "__" + DAYS_SINCE);
    }
    return names.toArray(String[]::new);
  }

  /**
   * The parts of one value, in the order of {@link #getOutputCols()}, as {@link #transform} computes them: all null
   * for null. {@code value}: a {@link LocalDate} or {@code java.sql.Date} (a date), a {@link LocalDateTime}
   * (timestamp_ntz), or an {@link Instant}, {@code java.sql.Timestamp}, {@link ZonedDateTime} or
   * {@link OffsetDateTime} (an instant, read in {@code timeZone}).
   */
  public Double[] partsOf(Object value) {
    checkParts();
    return partsOf(value, Arrays.asList(getParts()), ZoneId.of(getTimeZone()),
        getDaysSince().isEmpty() ? null : LocalDate.parse(getDaysSince()));
  }

  /** As {@link #partsOf(Object)}, from the settings given; {@code daysSince} null: none. */
  public static Double[] partsOf(Object value, List<String> parts, ZoneId zone, LocalDate daysSince) {
    Double[] result = new Double[parts.size() + (daysSince == null ? 0 : 1)];
    LocalDateTime local = localDateTime(value, zone);
    if (local == null) {
      return result;
    }
    for (int i = 0; i < parts.size(); i++) {
      result[i] = (double) switch (parts.get(i)) {
        case YEAR -> local.getYear();
        case MONTH -> local.getMonthValue();
        case DAY_OF_MONTH -> local.getDayOfMonth();
        case WEEKDAY -> local.getDayOfWeek().getValue();
        case HOUR -> local.getHour();
        default -> throw new IllegalArgumentException(STAGE + ": unknown part '" + parts.get(i) + "'; one of "
            + PARTS);
      };
    }
    if (daysSince != null) {
      result[parts.size()] = (double) ChronoUnit.DAYS.between(daysSince, local.toLocalDate());
    }
    return result;
  }

  private static LocalDateTime localDateTime(Object value, ZoneId zone) {
    if (value == null) {
      return null;
    }
    if (value instanceof LocalDate date) {
      return date.atStartOfDay();
    }
    if (value instanceof java.sql.Date date) {
      return date.toLocalDate().atStartOfDay();
    }
    if (value instanceof LocalDateTime local) {
      return local;
    }
    Instant instant;
    if (value instanceof Instant i) {
      instant = i;
    } else if (value instanceof java.sql.Timestamp timestamp) {
      instant = timestamp.toInstant();
    } else if (value instanceof ZonedDateTime zoned) {
      instant = zoned.toInstant();
    } else if (value instanceof OffsetDateTime offset) {
      instant = offset.toInstant();
    } else {
      throw new IllegalArgumentException(STAGE + ": a " + value.getClass().getName() + " is not a date or a "
          + "timestamp");
    }
    return LocalDateTime.ofInstant(instant, zone);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    checkParts();
    StructField input = StageColumns.field(STAGE, schema, getInputCol());
    DataType type = input.dataType();
    if (!(type instanceof DateType || type instanceof TimestampType || type instanceof TimestampNTZType)) {
      throw StageColumns.wrongType(STAGE, input, "a date or timestamp type (a text column can be typed by the "
          + "contract: type = date or timestamp, with its format)");
    }
    StructType result = schema;
    for (String output : getOutputCols()) {
      result = result.add(output, DataTypes.DoubleType, true);
    }
    StageColumns.requireNew(STAGE, schema, Arrays.asList(getOutputCols()));
    return result;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    Dataset<Row> rows = dataset.toDF();
    Column value = quoted(getInputCol());
    DataType type = rows.schema().apply(getInputCol()).dataType();
    Column date;
    Column hour;
    if (type instanceof TimestampType) {
      // The instant's wall-clock time in the zone, as microseconds since 1970-01-01T00:00 of that clock: pure
      // arithmetic from here, independent of the session time zone.
      Column local = unix_micros(from_utc_timestamp(value, getTimeZone()));
      Column ofDay = pmod(local, lit(MICROS_PER_DAY));
      date = date_from_unix_date(local.minus(ofDay).divide(MICROS_PER_DAY).cast(DataTypes.IntegerType));
      hour = floor(ofDay.divide(MICROS_PER_HOUR));
    } else if (type instanceof TimestampNTZType) {
      date = value.cast(DataTypes.DateType);
      hour = org.apache.spark.sql.functions.hour(value);
    } else {
      date = value;
      hour = when(value.isNotNull(), lit(0));
    }
    Map<String, Column> results = new LinkedHashMap<>();
    String[] outputs = getOutputCols();
    String[] names = getParts();
    for (int i = 0; i < names.length; i++) {
      Column part = switch (names[i]) {
        case YEAR -> year(date);
        case MONTH -> month(date);
        case DAY_OF_MONTH -> dayofmonth(date);
        case WEEKDAY -> weekday(date).plus(1);
        default -> hour;
      };
      results.put(outputs[i], part.cast(DataTypes.DoubleType));
    }
    if (!getDaysSince().isEmpty()) {
      results.put(outputs[names.length], datediff(date, lit(LocalDate.parse(getDaysSince())))
          .cast(DataTypes.DoubleType));
    }
    return StageColumns.withResults(rows, rows.columns(), results);
  }

  @Override
  public DateParts copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  private void checkParts() {
    for (String part : getParts()) {
      if (!PARTS.contains(part)) {
        throw new IllegalArgumentException(STAGE + ": unknown part '" + part + "'; one of " + PARTS);
      }
    }
    try {
      ZoneId.of(getTimeZone());
    } catch (java.time.DateTimeException e) {
      throw new IllegalArgumentException(STAGE + ": timeZone '" + getTimeZone() + "' is not a time zone", e);
    }
    if (!getDaysSince().isEmpty()) {
      try {
        LocalDate.parse(getDaysSince());
      } catch (java.time.format.DateTimeParseException e) {
        throw new IllegalArgumentException(STAGE + ": daysSince '" + getDaysSince() + "' is not an ISO date", e);
      }
    }
  }
}
