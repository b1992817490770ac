package dev.kiln.score;

import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;

/** Spark SQL's (non-ANSI) casts between the Java values a frame holds, as the stages' {@code cast} calls do them. */
final class SparkValues {

  private SparkValues() {}

  /** {@code cast(value as double)}: null stays null, booleans are 1 and 0. */
  static Double toDouble(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof Double d) {
      return d;
    }
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    if (value instanceof Boolean b) {
      return b ? 1.0 : 0.0;
    }
    if (value instanceof String s) {
      try {
        return Double.valueOf(s.trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    throw new IllegalArgumentException("a " + value.getClass().getSimpleName() + " is not a number");
  }

  /** {@code cast(double as type)} for the numeric types: truncation toward zero for integral types. */
  static Object fromDouble(double value, DataType type) {
    if (type instanceof DoubleType) {
      return value;
    } else if (type instanceof FloatType) {
      return (float) value;
    } else if (type instanceof IntegerType) {
      return (int) value;
    } else if (type instanceof LongType) {
      return (long) value;
    } else if (type instanceof ShortType) {
      return (short) (int) value;
    } else if (type instanceof ByteType) {
      return (byte) (int) value;
    }
    throw new IllegalArgumentException("not a numeric type: " + type.simpleString());
  }

  /** {@code cast(value as string)}. */
  static String toText(Object value) {
    if (value == null || value instanceof String) {
      return (String) value;
    }
    return String.valueOf(value);
  }

  /** Null, or a floating-point NaN: what Kiln's stages treat as missing in a numeric column. */
  static boolean missingNumber(Object value) {
    return value == null || (value instanceof Double d && d.isNaN()) || (value instanceof Float f && f.isNaN());
  }
}
