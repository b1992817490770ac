package dev.kiln.profile;

import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/** How a column is profiled, decided by its Spark type alone. */
public enum ColumnKind {
  /** Integral, floating-point and decimal columns: moments, quantiles, a histogram, correlations. */
  NUMERIC,
  /** Strings and booleans: top values, lengths (strings), association by category. */
  CATEGORICAL,
  /** Dates and timestamps: earliest and latest value. */
  TEMPORAL,
  /** Binary, arrays, maps and structs: counts and distinct values only. */
  OTHER;

  public static ColumnKind of(DataType type) {
    if (type instanceof NumericType) {
      return NUMERIC;
    }
    if (type instanceof StringType || type instanceof BooleanType) {
      return CATEGORICAL;
    }
    if (type instanceof DateType || type instanceof TimestampType || type instanceof TimestampNTZType) {
      return TEMPORAL;
    }
    return OTHER;
  }
}
