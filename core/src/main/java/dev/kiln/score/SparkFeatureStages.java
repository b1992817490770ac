package dev.kiln.score;

import dev.kiln.errors.InvalidRecordException;
import dev.kiln.errors.InvalidRecordException.Problem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.spark.ml.feature.Bucketizer;
import org.apache.spark.ml.feature.ImputerModel;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.MinMaxScalerModel;
import org.apache.spark.ml.feature.OneHotEncoderModel;
import org.apache.spark.ml.feature.RobustScalerModel;
import org.apache.spark.ml.feature.StandardScalerModel;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;

/**
 * Row evaluators for Spark's own feature stages. Each mirrors the stage's {@code transform} in Spark 3.5 (the same
 * arithmetic in the same order, so results are bit-identical), including its {@code handleInvalid} choices: what
 * Spark would fail on or drop the row for is an {@link InvalidRecordException} naming the column.
 */
final class SparkFeatureStages {

  private SparkFeatureStages() {}

  /** Input and output columns of a stage that has both the single- and the multi-column params. */
  private record Columns(String[] inputs, String[] outputs) {}

  static RowStage stringIndexer(StringIndexerModel model, Layout layout) {
    Columns cols = model.isSet(model.inputCols()) ? new Columns(model.getInputCols(), model.getOutputCols())
        : new Columns(new String[] {model.getInputCol()}, new String[] {model.getOutputCol()});
    String[][] labelsArray = model.labelsArray();
    String handleInvalid = model.getHandleInvalid();
    List<RowStage> parts = new ArrayList<>();
    for (int i = 0; i < cols.inputs().length; i++) {
      String input = cols.inputs()[i];
      if (!layout.has(input)) {
        continue;  // as Spark: a missing input column (a label at serving time) skips the indexer for that column
      }
      String[] labels = labelsArray[i];
      Map<String, Double> index = new HashMap<>();
      for (int j = 0; j < labels.length; j++) {
        index.put(labels[j], (double) j);
      }
      int in = layout.slot(input);
      int out = layout.define(cols.outputs()[i], DataTypes.DoubleType);
      boolean keep = handleInvalid.equals("keep");
      double unknown = labels.length;
      parts.add(frame -> {
        String label = SparkValues.toText(frame[in]);
        Double found = label == null ? null : index.get(label);
        if (found == null) {
          if (!keep) {
            throw new InvalidRecordException(input, Problem.INVALID_VALUE, "'" + input + "': "
                + (label == null ? "null" : "the value '" + label + "'") + " was not seen in training, and the "
                + "model's indexer was fitted with handleInvalid = " + handleInvalid);
          }
          found = unknown;
        }
        frame[out] = found;
      });
    }
    return all(parts);
  }

  static RowStage oneHotEncoder(OneHotEncoderModel model, Layout layout) {
    Columns cols = model.isSet(model.inputCols()) ? new Columns(model.getInputCols(), model.getOutputCols())
        : new Columns(new String[] {model.getInputCol()}, new String[] {model.getOutputCol()});
    int[] categorySizes = model.categorySizes();
    boolean keepInvalid = model.getHandleInvalid().equals("keep");
    boolean dropLast = model.getDropLast();
    List<RowStage> parts = new ArrayList<>();
    for (int i = 0; i < cols.inputs().length; i++) {
      String input = cols.inputs()[i];
      int origSize = categorySizes[i];
      // Spark's getConfigedCategorySizes
      int size = !dropLast && keepInvalid ? origSize + 1 : dropLast && !keepInvalid ? origSize - 1 : origSize;
      int in = layout.slot(input);
      int out = layout.defineVector(cols.outputs()[i], size);
      parts.add(frame -> {
        Double label = SparkValues.toDouble(frame[in]);
        if (label == null) {
          frame[out] = null;  // Spark's UDF on a primitive double answers null for null
          return;
        }
        double idx;
        if (label >= 0 && label < origSize) {
          idx = label;
        } else if (keepInvalid) {
          idx = origSize;
        } else {
          throw new InvalidRecordException(input, Problem.INVALID_VALUE, "'" + input + "': category index " + label
              + " was not seen in training, and the encoder was fitted with handleInvalid = error");
        }
        frame[out] = idx < size ? Vectors.sparse(size, new int[] {(int) idx}, new double[] {1.0})
            : Vectors.sparse(size, new int[0], new double[0]);
      });
    }
    return all(parts);
  }

  static RowStage vectorAssembler(VectorAssembler stage, Layout layout) {
    String[] inputs = stage.getInputCols();
    String handleInvalid = stage.getHandleInvalid();
    boolean keepInvalid = handleInvalid.equals("keep");
    int[] slots = new int[inputs.length];
    boolean[] vectors = new boolean[inputs.length];
    int[] lengths = new int[inputs.length];
    int total = 0;
    for (int i = 0; i < inputs.length; i++) {
      slots[i] = layout.slot(inputs[i]);
      vectors[i] = layout.isVector(inputs[i]);
      if (!vectors[i] && !(layout.type(inputs[i]) instanceof NumericType
          || layout.type(inputs[i]) instanceof BooleanType)) {
        throw new IllegalArgumentException("VectorAssembler input '" + inputs[i] + "' has type "
            + layout.type(inputs[i]).simpleString());
      }
      OptionalInt size = vectors[i] ? layout.vectorSize(inputs[i]) : OptionalInt.of(1);
      lengths[i] = size.orElse(-1);
      total = total < 0 || lengths[i] < 0 ? -1 : total + lengths[i];
    }
    int out = layout.defineVector(stage.getOutputCol(), total);
    return frame -> {
      int[] indices = new int[16];
      double[] values = new double[16];
      int count = 0;
      int featureIndex = 0;
      for (int i = 0; i < inputs.length; i++) {
        Object value = frame[slots[i]];
        if (value == null) {
          if (!keepInvalid || lengths[i] < 0) {
            throw invalid(inputs[i], "is null", handleInvalid);
          }
          for (int k = 0; k < lengths[i]; k++) {
            if (count == indices.length) {
              indices = java.util.Arrays.copyOf(indices, count * 2);
              values = java.util.Arrays.copyOf(values, count * 2);
            }
            indices[count] = featureIndex + k;
            values[count++] = Double.NaN;
          }
          featureIndex += lengths[i];
        } else if (vectors[i]) {
          // Spark's foreachNonZero, without its boxed (index, value) callback per entry.
          Vector vector = (Vector) value;
          int[] at;
          double[] entries;
          if (vector instanceof SparseVector sparse) {
            at = sparse.indices();
            entries = sparse.values();
          } else {
            at = null;
            entries = ((DenseVector) vector).values();
          }
          if (count + entries.length > indices.length) {
            int grown = Math.max(indices.length * 2, count + entries.length);
            indices = java.util.Arrays.copyOf(indices, grown);
            values = java.util.Arrays.copyOf(values, grown);
          }
          for (int k = 0; k < entries.length; k++) {
            if (entries[k] != 0.0) {
              indices[count] = featureIndex + (at == null ? k : at[k]);
              values[count++] = entries[k];
            }
          }
          featureIndex += vector.size();
        } else {
          double v = SparkValues.toDouble(value);
          if (Double.isNaN(v) && !keepInvalid) {
            throw invalid(inputs[i], "is NaN", handleInvalid);
          }
          if (v != 0.0) {
            if (count == indices.length) {
              indices = java.util.Arrays.copyOf(indices, count * 2);
              values = java.util.Arrays.copyOf(values, count * 2);
            }
            indices[count] = featureIndex;
            values[count++] = v;
          }
          featureIndex += 1;
        }
      }
      frame[out] = Vectors.sparse(featureIndex, java.util.Arrays.copyOf(indices, count),
          java.util.Arrays.copyOf(values, count)).compressed();
    };
  }

  private static InvalidRecordException invalid(String column, String what, String handleInvalid) {
    return new InvalidRecordException(column, Problem.INVALID_VALUE, "'" + column + "' " + what + ", and the model's "
        + "VectorAssembler was fitted with handleInvalid = " + handleInvalid);
  }

  static RowStage imputer(ImputerModel model, Layout layout) {
    Columns cols = model.isSet(model.inputCols()) ? new Columns(model.getInputCols(), model.getOutputCols())
        : new Columns(new String[] {model.getInputCol()}, new String[] {model.getOutputCol()});
    Row surrogates = model.surrogateDF().head();
    double missingValue = model.getMissingValue();
    List<RowStage> parts = new ArrayList<>();
    for (int i = 0; i < cols.inputs().length; i++) {
      String input = cols.inputs()[i];
      double surrogate = ((Number) surrogates.getAs(input)).doubleValue();
      var type = layout.type(input);
      int in = layout.slot(input);
      int out = layout.define(cols.outputs()[i], type);
      Object filled = SparkValues.fromDouble(surrogate, type);
      parts.add(frame -> {
        Double value = SparkValues.toDouble(frame[in]);
        // Spark SQL's = treats NaN as equal to NaN, so a NaN missingValue matches NaN inputs.
        boolean missing = value == null || value == missingValue
            || (Double.isNaN(missingValue) && value.isNaN());
        frame[out] = missing ? filled : SparkValues.fromDouble(value, type);
      });
    }
    return all(parts);
  }

  static RowStage standardScaler(StandardScalerModel model, Layout layout) {
    double[] shift = model.getWithMean() ? model.mean().toArray() : new double[0];
    double[] scale = model.getWithStd() ? inverses(model.std().toArray()) : new double[0];
    return scaler(model.getInputCol(), model.getOutputCol(), shift, scale, model.getWithMean(), model.getWithStd(),
        layout);
  }

  static RowStage robustScaler(RobustScalerModel model, Layout layout) {
    double[] shift = model.getWithCentering() ? model.median().toArray() : new double[0];
    double[] scale = model.getWithScaling() ? inverses(model.range().toArray()) : new double[0];
    return scaler(model.getInputCol(), model.getOutputCol(), shift, scale, model.getWithCentering(),
        model.getWithScaling(), layout);
  }

  private static double[] inverses(double[] values) {
    double[] result = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      result[i] = values[i] == 0 ? 0.0 : 1.0 / values[i];
    }
    return result;
  }

  /** StandardScalerModel.getTransformFunc, which RobustScalerModel shares. */
  private static RowStage scaler(String input, String output, double[] shift, double[] scale, boolean withShift,
      boolean withScale, Layout layout) {
    int in = layout.slot(input);
    int out = layout.defineVector(output, layout.vectorSize(input).orElse(-1));
    return frame -> {
      Vector vector = (Vector) frame[in];
      if (vector == null) {
        frame[out] = null;
        return;
      }
      if (withShift) {
        double[] values = vector.toArray().clone();
        for (int i = 0; i < values.length; i++) {
          values[i] = withScale ? (values[i] - shift[i]) * scale[i] : values[i] - shift[i];
        }
        frame[out] = Vectors.dense(values);
      } else if (withScale) {
        if (vector instanceof DenseVector dense) {
          double[] values = dense.values().clone();
          for (int i = 0; i < values.length; i++) {
            values[i] *= scale[i];
          }
          frame[out] = Vectors.dense(values);
        } else {
          SparseVector sparse = (SparseVector) vector;
          double[] values = sparse.values().clone();
          for (int i = 0; i < values.length; i++) {
            values[i] *= scale[sparse.indices()[i]];
          }
          frame[out] = Vectors.sparse(sparse.size(), sparse.indices(), values);
        }
      } else {
        frame[out] = vector;
      }
    };
  }

  static RowStage minMaxScaler(MinMaxScalerModel model, Layout layout) {
    double[] originalMin = model.originalMin().toArray();
    double[] originalMax = model.originalMax().toArray();
    double min = model.getMin();
    double scale = model.getMax() - min;
    double constantOutput = (min + model.getMax()) / 2;
    double[] scaleArray = new double[originalMax.length];
    for (int i = 0; i < scaleArray.length; i++) {
      double range = originalMax[i] - originalMin[i];
      scaleArray[i] = range != 0 ? scale / range : 0.0;
    }
    int in = layout.slot(model.getInputCol());
    int out = layout.defineVector(model.getOutputCol(), originalMax.length);
    return frame -> {
      Vector vector = (Vector) frame[in];
      if (vector == null) {
        frame[out] = null;
        return;
      }
      double[] values = vector.toArray().clone();
      for (int i = 0; i < scaleArray.length; i++) {
        if (!Double.isNaN(values[i])) {
          values[i] = scaleArray[i] != 0 ? (values[i] - originalMin[i]) * scaleArray[i] + min : constantOutput;
        }
      }
      frame[out] = Vectors.dense(values).compressed();
    };
  }

  static RowStage bucketizer(Bucketizer stage, Layout layout) {
    Columns cols = stage.isSet(stage.inputCols()) ? new Columns(stage.getInputCols(), stage.getOutputCols())
        : new Columns(new String[] {stage.getInputCol()}, new String[] {stage.getOutputCol()});
    double[][] splitsArray = stage.isSet(stage.inputCols()) ? stage.getSplitsArray()
        : new double[][] {stage.getSplits()};
    String handleInvalid = stage.getHandleInvalid();
    List<RowStage> parts = new ArrayList<>();
    for (int i = 0; i < cols.inputs().length; i++) {
      String input = cols.inputs()[i];
      double[] splits = splitsArray[i];
      int in = layout.slot(input);
      int out = layout.define(cols.outputs()[i], DataTypes.DoubleType);
      parts.add(frame -> {
        Double feature = SparkValues.toDouble(frame[in]);
        frame[out] = feature == null ? null : bucket(input, splits, feature, handleInvalid);
      });
    }
    return all(parts);
  }

  /** Bucketizer.binarySearchForBuckets; "skip" would drop the row, so it is refused like "error". */
  private static double bucket(String column, double[] splits, double feature, String handleInvalid) {
    if (Double.isNaN(feature)) {
      if (handleInvalid.equals("keep")) {
        return splits.length - 1;
      }
      throw new InvalidRecordException(column, Problem.INVALID_VALUE, "'" + column + "' is NaN, and the model's "
          + "Bucketizer was fitted with handleInvalid = " + handleInvalid);
    }
    if (feature == splits[splits.length - 1]) {
      return splits.length - 2;
    }
    int idx = java.util.Arrays.binarySearch(splits, feature);
    if (idx >= 0) {
      return idx;
    }
    int insertPos = -idx - 1;
    if (insertPos == 0 || insertPos == splits.length) {
      throw new InvalidRecordException(column, Problem.INVALID_VALUE, "'" + column + "' = " + feature
          + " is outside the model's buckets [" + splits[0] + ", " + splits[splits.length - 1] + "]");
    }
    return insertPos - 1;
  }

  static RowStage indexToString(IndexToString stage, Layout layout) {
    String[] labels = stage.getLabels();
    if (labels.length == 0) {
      throw new IllegalArgumentException("IndexToString without labels (they would come from the input column's "
          + "metadata, which a row does not carry)");
    }
    int in = layout.slot(stage.getInputCol());
    int out = layout.define(stage.getOutputCol(), DataTypes.StringType);
    return frame -> {
      Double index = SparkValues.toDouble(frame[in]);
      if (index == null) {
        frame[out] = null;
        return;
      }
      int i = index.intValue();
      if (i < 0 || i >= labels.length) {
        throw new InvalidRecordException(stage.getInputCol(), Problem.INVALID_VALUE, "index " + index
            + " has no label");
      }
      frame[out] = labels[i];
    };
  }

  static RowStage all(List<RowStage> parts) {
    RowStage[] array = parts.toArray(RowStage[]::new);
    if (array.length == 1) {
      return array[0];
    }
    return frame -> {
      for (RowStage part : array) {
        part.apply(frame);
      }
    };
  }
}
