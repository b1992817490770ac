package dev.kiln.profile;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Column expressions the analyzers share. */
final class Columns {

  private Columns() {}

  /** The top-level column {@code name}, quoted so that dots, spaces and backticks in it are taken literally. */
  static Column named(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }

  /** The column as a double, null where it is null, NaN or infinite: the values numeric statistics are taken of. */
  static Column finite(StructField field) {
    Column value = named(field.name());
    return floating(field.dataType()) ? when(not(nonFinite(value)), value.cast("double"))
        : value.cast("double");
  }

  /** True where a floating-point value is NaN or ±infinity (false for null). */
  static Column nonFinite(Column value) {
    return isnan(value).or(value.equalTo(lit(Double.POSITIVE_INFINITY)))
        .or(value.equalTo(lit(Double.NEGATIVE_INFINITY)));
  }

  static boolean floating(DataType type) {
    return type instanceof DoubleType || type instanceof FloatType;
  }

  /**
   * The column in a form every aggregate can hash: maps cannot be hashed by Spark, so complex values are compared by
   * their JSON text.
   */
  static Column hashable(StructField field) {
    DataType type = field.dataType();
    boolean complex = type instanceof MapType || type instanceof StructType || type instanceof ArrayType;
    return complex ? to_json(named(field.name())) : named(field.name());
  }
}
