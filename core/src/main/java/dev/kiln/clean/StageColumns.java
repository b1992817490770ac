package dev.kiln.clean;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.isnan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Column checks and expressions the cleaning stages share. Messages name the stage, the column and its type. */
final class StageColumns {

  private StageColumns() {}

  /** A column by its exact name (dots and spaces included), never parsed as a path. */
  static Column quoted(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }

  /** The field called {@code name}, or an {@link IllegalArgumentException} that lists the columns there are. */
  static StructField field(String stage, StructType schema, String name) {
    if (!Arrays.asList(schema.fieldNames()).contains(name)) {
      throw new IllegalArgumentException(stage + ": column '" + name + "' is not in the data (its columns: "
          + String.join(", ", schema.fieldNames()) + ")");
    }
    return schema.apply(name);
  }

  static StructField numericField(String stage, StructType schema, String name) {
    StructField field = field(stage, schema, name);
    if (!(field.dataType() instanceof NumericType)) {
      throw wrongType(stage, field, "a numeric type");
    }
    return field;
  }

  static IllegalArgumentException wrongType(String stage, StructField field, String expected) {
    return new IllegalArgumentException(stage + ": column '" + field.name() + "' has type "
        + field.dataType().simpleString() + "; it needs " + expected);
  }

  /**
   * Where a stage writes its results: {@code outputCols} when set (one for each input column), else the input
   * columns themselves.
   */
  static String[] outputNames(String stage, String[] inputCols, String[] outputCols) {
    if (inputCols.length == 0) {
      throw new IllegalArgumentException(stage + ": no input columns");
    }
    if (outputCols.length == 0) {
      return inputCols;
    }
    if (outputCols.length != inputCols.length) {
      throw new IllegalArgumentException(stage + ": " + inputCols.length + " input columns but "
          + outputCols.length + " output columns");
    }
    return outputCols;
  }

  /** Added columns must be new, and an input column must not be named twice. */
  static void requireNew(String stage, StructType schema, List<String> added) {
    Set<String> seen = new HashSet<>(Arrays.asList(schema.fieldNames()));
    for (String name : added) {
      if (!seen.add(name)) {
        throw new IllegalArgumentException(stage + ": output column '" + name + "' is already in the data");
      }
    }
  }

  static void requireDistinct(String stage, String[] names) {
    Set<String> seen = new HashSet<>();
    for (String name : names) {
      if (!seen.add(name)) {
        throw new IllegalArgumentException(stage + ": column '" + name + "' is named twice");
      }
    }
  }

  /**
   * The {@code columns} of {@code rows}, each replaced where it stands by its entry in {@code results} if it has one,
   * then the other entries of {@code results} in their order. (Spark's {@code withColumns(Map)} would add new
   * columns in hash order.)
   */
  static Dataset<Row> withResults(Dataset<Row> rows, String[] columns, Map<String, Column> results) {
    List<String> existing = Arrays.asList(columns);
    List<Column> projection = new ArrayList<>();
    for (String name : columns) {
      projection.add(results.containsKey(name) ? results.get(name).as(name) : quoted(name));
    }
    results.forEach((name, result) -> {
      if (!existing.contains(name)) {
        projection.add(result.as(name));
      }
    });
    return rows.select(projection.toArray(Column[]::new));
  }

  /** Null, or NaN for a numeric column: both mean "no value" to the cleaning stages. */
  static Column missing(Column value, DataType type) {
    return type instanceof NumericType ? value.isNull().or(isnan(value)) : value.isNull();
  }

  /**
   * The {@code accuracy} of Spark's {@code percentile_approx} for a relative error: its sketch answers within
   * {@code 1 / accuracy} of the rank asked for; the same sketch and guarantee as {@code stat().approxQuantile}.
   */
  static int quantileAccuracy(double relativeError) {
    return relativeError == 0 ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE, Math.ceil(1 / relativeError));
  }
}
