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

/**
 * Column checks and expressions Kiln's own stages share (the cleaning stages here, the feature stages of
 * {@code dev.kiln.feature}). Messages name the stage, the column and its type.
 */
public final class StageColumns {

  private StageColumns() {}

  /** A column by its exact name (dots and spaces included), never parsed as a path. */
  public static Column quoted(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }

  /** The field called {@code name}, or an {@link IllegalArgumentException} that lists the columns there are. */
  public static StructField field(String stage, StructType schema, String name) {
    if (!Arrays.asList(schema.fieldNames()).contains(name)) {
      throw new IllegalArgumentException(stage + ": column '" + name + "' is not in the data (its columns: "
          + String.join(", ", schema.fieldNames()) + ")");
    }
    return schema.apply(name);
  }

  public static StructField numericField(String stage, StructType schema, String name) {
    StructField field = field(stage, schema, name);
    if (!(field.dataType() instanceof NumericType)) {
      throw wrongType(stage, field, "a numeric type");
    }
    return field;
  }

  public static IllegalArgumentException wrongType(String stage, StructField field, String expected) {
    return new IllegalArgumentException(stage + ": column '" + field.name() + "' has type "
        + field.dataType().simpleString() + "; it needs " + expected);
  }

  /**
   * Where a stage writes its results: {@code outputCols} when set (one for each input column), else the input
   * columns themselves.
   */
  public static String[] outputNames(String stage, String[] inputCols, String[] outputCols) {
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

  /**
   * The schema with a column of {@code type} for each input column: in its place where the output is the input
   * itself ({@code outputCols} empty), else added; checks that inputs are named once and added columns are new.
   */
  public static StructType withOutputs(String stage, StructType schema, String[] inputCols, String[] outputCols,
      DataType type, boolean nullable) {
    String[] outputs = outputNames(stage, inputCols, outputCols);
    requireDistinct(stage, inputCols);
    List<String> added = new ArrayList<>();
    StructType result = new StructType();
    for (StructField field : schema.fields()) {
      int at = Arrays.asList(outputs).indexOf(field.name());
      result = result.add(at >= 0 && outputs[at].equals(inputCols[at])
          ? new StructField(field.name(), type, nullable, field.metadata()) : field);
    }
    for (int i = 0; i < inputCols.length; i++) {
      if (!outputs[i].equals(inputCols[i])) {
        added.add(outputs[i]);
        result = result.add(outputs[i], type, nullable);
      }
    }
    requireNew(stage, schema, added);
    return result;
  }

  /** {@code rows} with the result of each input column (by its index) in that column's output column. */
  public static Dataset<Row> withEach(Dataset<Row> rows, String stage, String[] inputCols, String[] outputCols,
      java.util.function.IntFunction<Column> result) {
    String[] outputs = outputNames(stage, inputCols, outputCols);
    Map<String, Column> results = new java.util.LinkedHashMap<>();
    for (int i = 0; i < inputCols.length; i++) {
      results.put(outputs[i], result.apply(i));
    }
    return withResults(rows, rows.columns(), results);
  }

  /** Added columns must be new, and an input column must not be named twice. */
  public static void requireNew(String stage, StructType schema, List<String> added) {
    Set<String> seen = new HashSet<>(Arrays.asList(schema.fieldNames()));
    for (String name : added) {
      if (!seen.add(name)) {
        throw new IllegalArgumentException(stage + ": output column '" + name + "' is already in the data");
      }
    }
  }

  public static void requireDistinct(String stage, String[] names) {
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
  public static Dataset<Row> withResults(Dataset<Row> rows, String[] columns, Map<String, Column> results) {
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
  public static Column missing(Column value, DataType type) {
    return type instanceof NumericType ? value.isNull().or(isnan(value)) : value.isNull();
  }

  /**
   * The {@code accuracy} of Spark's {@code percentile_approx} for a relative error: its sketch answers within
   * {@code 1 / accuracy} of the rank asked for; the same sketch and guarantee as {@code stat().approxQuantile}.
   */
  public static int quantileAccuracy(double relativeError) {
    return relativeError == 0 ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE, Math.ceil(1 / relativeError));
  }
}
