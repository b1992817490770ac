package dev.kiln.score;

import dev.kiln.clean.GroupedImputerModel;
import dev.kiln.clean.GroupedImputerParams;
import dev.kiln.clean.OutlierBoundsModel;
import dev.kiln.clean.OutlierBoundsParams;
import dev.kiln.clean.StageColumns;
import dev.kiln.clean.ValueCanonicalizer;
import dev.kiln.feature.DateParts;
import dev.kiln.feature.FrequencyEncoderModel;
import dev.kiln.feature.LogTransform;
import dev.kiln.train.DenseVectors;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;

/** Row evaluators for Kiln's own stages, each through the Spark-free method the stage keeps for serving. */
final class KilnStages {

  private KilnStages() {}

  static RowStage canonicalizer(ValueCanonicalizer stage, Layout layout) {
    List<RowStage> parts = new ArrayList<>();
    for (String column : stage.getInputCols()) {
      int slot = layout.slot(column);
      parts.add(frame -> frame[slot] = stage.canonicalize(column, (String) frame[slot]));
    }
    return SparkFeatureStages.all(parts);
  }

  static RowStage dateParts(DateParts stage, Layout layout) {
    int in = layout.slot(stage.getInputCol());
    String[] outputs = stage.getOutputCols();
    int[] out = new int[outputs.length];
    for (int i = 0; i < outputs.length; i++) {
      out[i] = layout.define(outputs[i], DataTypes.DoubleType);
    }
    stage.partsOf(null);  // checks the parts once, at compile time
    return frame -> {
      Double[] parts = stage.partsOf(frame[in]);
      for (int i = 0; i < out.length; i++) {
        frame[out[i]] = parts[i];
      }
    };
  }

  static RowStage logTransform(LogTransform stage, Layout layout) {
    String[] inputs = stage.getInputCols();
    String[] outputs = StageColumns.outputNames("LogTransform", inputs, stage.getOutputCols());
    List<RowStage> parts = new ArrayList<>();
    for (int i = 0; i < inputs.length; i++) {
      int in = layout.slot(inputs[i]);
      int out = layout.define(outputs[i], DataTypes.DoubleType);
      parts.add(frame -> frame[out] = LogTransform.log1p(SparkValues.toDouble(frame[in])));
    }
    return SparkFeatureStages.all(parts);
  }

  static RowStage frequencyEncoder(FrequencyEncoderModel model, Layout layout) {
    String[] inputs = model.getInputCols();
    String[] outputs = StageColumns.outputNames("FrequencyEncoder", inputs, model.getOutputCols());
    List<RowStage> parts = new ArrayList<>();
    for (int i = 0; i < inputs.length; i++) {
      String input = inputs[i];
      int in = layout.slot(input);
      int out = layout.define(outputs[i], DataTypes.DoubleType);
      parts.add(frame -> frame[out] = model.frequency(input, SparkValues.toText(frame[in])));
    }
    return SparkFeatureStages.all(parts);
  }

  static RowStage outlierBounds(OutlierBoundsModel model, Layout layout) {
    String[] inputs = model.getInputCols();
    String[] outputs = StageColumns.outputNames(OutlierBoundsParams.STAGE, inputs, model.getOutputCols());
    boolean flag = model.getAction().equals(OutlierBoundsParams.FLAG);
    List<RowStage> parts = new ArrayList<>();
    for (int i = 0; i < inputs.length; i++) {
      OutlierBoundsModel.Bounds bounds = model.bounds().get(inputs[i]);
      DataType type = layout.type(inputs[i]);
      int in = layout.slot(inputs[i]);
      if (flag) {
        int out = layout.define(inputs[i] + OutlierBoundsParams.FLAG_SUFFIX, DataTypes.DoubleType);
        parts.add(frame -> {
          Object value = frame[in];
          boolean outside = !SparkValues.missingNumber(value) && outside(SparkValues.toDouble(value), bounds);
          frame[out] = outside ? 1.0 : 0.0;
        });
      } else {
        boolean integral = type instanceof IntegralType;
        Object lower = SparkValues.fromDouble(integral ? Math.ceil(bounds.lower()) : bounds.lower(), type);
        Object upper = SparkValues.fromDouble(integral ? Math.floor(bounds.upper()) : bounds.upper(), type);
        int out = layout.define(outputs[i], type);
        parts.add(frame -> {
          Object value = frame[in];
          if (!SparkValues.missingNumber(value)) {
            double v = SparkValues.toDouble(value);
            value = v < bounds.lower() ? lower : v > bounds.upper() ? upper : value;
          }
          frame[out] = value;
        });
      }
    }
    return SparkFeatureStages.all(parts);
  }

  private static boolean outside(double value, OutlierBoundsModel.Bounds bounds) {
    return value < bounds.lower() || value > bounds.upper();
  }

  static RowStage groupedImputer(GroupedImputerModel model, Layout layout) {
    String[] inputs = model.getInputCols();
    String[] outputs = StageColumns.outputNames(GroupedImputerParams.STAGE, inputs, model.getOutputCols());
    String[] groupBy = model.getGroupByCols();
    StructField[] keyFields = model.groupKeySchema().fields();
    int[] groupSlots = new int[groupBy.length];
    for (int g = 0; g < groupBy.length; g++) {
      groupSlots[g] = layout.slot(groupBy[g]);
    }
    int n = inputs.length;
    int[] in = new int[n];
    DataType[] types = new DataType[n];
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      in[i] = layout.slot(inputs[i]);
      types[i] = layout.type(inputs[i]);
    }
    for (int i = 0; i < n; i++) {
      out[i] = layout.define(outputs[i], types[i]);
    }
    int[] indicators = new int[model.getAddIndicators() ? n : 0];
    for (int i = 0; i < indicators.length; i++) {
      indicators[i] = layout.define(inputs[i] + GroupedImputerParams.INDICATOR_SUFFIX, DataTypes.DoubleType);
    }
    return frame -> {
      List<Object> key = new ArrayList<>(groupBy.length);
      for (int g = 0; g < groupBy.length; g++) {
        key.add(keyValue(frame[groupSlots[g]], keyFields[g].dataType()));
      }
      Object[] results = new Object[n];
      boolean[] missing = new boolean[n];
      for (int i = 0; i < n; i++) {
        Object value = frame[in[i]];
        missing[i] = types[i] instanceof NumericType ? SparkValues.missingNumber(value) : value == null;
        if (missing[i]) {
          Object fill = model.fillFor(inputs[i], key);
          results[i] = fill == null ? null : fill instanceof Double d ? SparkValues.fromDouble(d, types[i]) : fill;
        } else {
          results[i] = value;
        }
      }
      for (int i = 0; i < n; i++) {
        frame[out[i]] = results[i];
      }
      for (int i = 0; i < indicators.length; i++) {
        frame[indicators[i]] = missing[i] ? 1.0 : 0.0;
      }
    };
  }

  /** A group column's value cast to the type the key had in training, as the stage's join condition casts it. */
  private static Object keyValue(Object value, DataType type) {
    if (value == null) {
      return null;
    }
    if (type instanceof StringType) {
      return SparkValues.toText(value);
    }
    if (type instanceof BooleanType) {
      return value instanceof Boolean b ? b : SparkValues.toDouble(value) != 0.0;
    }
    Double number = SparkValues.toDouble(value);
    return number == null ? null : SparkValues.fromDouble(number, type);
  }

  static RowStage denseVectors(DenseVectors stage, Layout layout) {
    String column = stage.getOrDefault(stage.inputCol());
    int slot = layout.slot(column);
    layout.defineVector(column, layout.vectorSize(column).orElse(-1));
    return frame -> {
      Vector vector = (Vector) frame[slot];
      frame[slot] = vector == null ? null : vector.toDense();
    };
  }
}
