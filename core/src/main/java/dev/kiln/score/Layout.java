package dev.kiln.score;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * The columns a compiled pipeline knows at one point of its stages: each column's slot in the frame, its Spark type
 * and, for vectors, its size when known. Built while compiling, read-only once the scorer exists.
 */
final class Layout {

  private final Map<String, Integer> slots = new LinkedHashMap<>();
  private final Map<String, DataType> types = new LinkedHashMap<>();
  private final Map<String, Integer> vectorSizes = new LinkedHashMap<>();
  private int width;

  boolean has(String column) {
    return slots.containsKey(column);
  }

  /** The slot of an existing column. */
  int slot(String column) {
    Integer slot = slots.get(column);
    if (slot == null) {
      throw new IllegalStateException("no column '" + column + "' before this stage");
    }
    return slot;
  }

  DataType type(String column) {
    slot(column);
    return types.get(column);
  }

  /**
   * The slot a stage writes {@code column} to: a fresh slot for a new column, the same slot when the stage replaces
   * a column (Spark's {@code withColumn}), with the new type.
   */
  int define(String column, DataType type) {
    Integer slot = slots.get(column);
    if (slot == null) {
      slot = width++;
      slots.put(column, slot);
    }
    types.put(column, type);
    vectorSizes.remove(column);
    return slot;
  }

  int defineVector(String column, int size) {
    int slot = define(column, new VectorUDT());
    if (size >= 0) {
      vectorSizes.put(column, size);
    }
    return slot;
  }

  boolean isVector(String column) {
    return type(column) instanceof VectorUDT;
  }

  OptionalInt vectorSize(String column) {
    Integer size = vectorSizes.get(column);
    return size == null ? OptionalInt.empty() : OptionalInt.of(size);
  }

  int width() {
    return width;
  }

  /** The scalar columns (not vectors), as a Spark schema in slot order: what a SQL stage can read. */
  StructType scalarSchema() {
    StructType schema = new StructType();
    for (Map.Entry<String, DataType> column : types.entrySet()) {
      if (!(column.getValue() instanceof VectorUDT)) {
        schema = schema.add(column.getKey(), column.getValue(), true);
      }
    }
    return schema;
  }
}
