package dev.kiln.clean;

import static dev.kiln.clean.StageColumns.numericField;
import static dev.kiln.clean.StageColumns.outputNames;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The params of {@link OutlierBounds} and {@link OutlierBoundsModel}; {@link OutlierBounds} says what they do. */
public interface OutlierBoundsParams extends CleaningParams {

  String STAGE = "OutlierBounds";
  String IQR = "iqr";
  String ZSCORE = "zscore";
  String PERCENTILE = "percentile";
  String CLIP = "clip";
  String FLAG = "flag";
  /** Appended to an input column's name for its outlier flag. */
  String FLAG_SUFFIX = "_outlier";

  @Override
  Definitions paramDefinitions();

  /** The param objects of one outlier stage or model. */
  final class Definitions extends CleaningParams.Definitions {

    final Param<String> method;
    final DoubleParam iqrMultiplier;
    final DoubleParam stddevMultiplier;
    final DoubleParam lowerPercentile;
    final DoubleParam upperPercentile;
    final Param<String> action;

    Definitions(Params owner) {
      super(owner);
      method = new Param<>(owner, "method", "how bounds are learnt: iqr (Q1 - k IQR, Q3 + k IQR, k = iqrMultiplier), "
          + "zscore (mean -/+ k sample standard deviations, k = stddevMultiplier) or percentile "
          + "(lowerPercentile, upperPercentile)", ParamValidators.inArray(List.of(IQR, ZSCORE, PERCENTILE)));
      iqrMultiplier = new DoubleParam(owner, "iqrMultiplier", "k of the iqr method", ParamValidators.gtEq(0));
      stddevMultiplier = new DoubleParam(owner, "stddevMultiplier", "k of the zscore method",
          ParamValidators.gtEq(0));
      lowerPercentile = new DoubleParam(owner, "lowerPercentile", "the lower bound's quantile (percentile method)",
          ParamValidators.inRange(0, 1));
      upperPercentile = new DoubleParam(owner, "upperPercentile", "the upper bound's quantile (percentile method)",
          ParamValidators.inRange(0, 1));
      action = new Param<>(owner, "action", "what the model does: clip (values outside the bounds become the "
          + "bound) or flag (adds <input column>" + FLAG_SUFFIX + ", 1.0 outside the bounds, else 0.0)",
          ParamValidators.inArray(List.of(CLIP, FLAG)));
      owner.setDefault(method, IQR);
      owner.setDefault(iqrMultiplier, 1.5);
      owner.setDefault(stddevMultiplier, 3.0);
      owner.setDefault(lowerPercentile, 0.01);
      owner.setDefault(upperPercentile, 0.99);
      owner.setDefault(action, CLIP);
    }
  }

  default Param<String> method() {
    return paramDefinitions().method;
  }

  default String getMethod() {
    return getOrDefault(method());
  }

  default DoubleParam iqrMultiplier() {
    return paramDefinitions().iqrMultiplier;
  }

  default double getIqrMultiplier() {
    return (Double) getOrDefault(iqrMultiplier());
  }

  default DoubleParam stddevMultiplier() {
    return paramDefinitions().stddevMultiplier;
  }

  default double getStddevMultiplier() {
    return (Double) getOrDefault(stddevMultiplier());
  }

  default DoubleParam lowerPercentile() {
    return paramDefinitions().lowerPercentile;
  }

  default double getLowerPercentile() {
    return (Double) getOrDefault(lowerPercentile());
  }

  default DoubleParam upperPercentile() {
    return paramDefinitions().upperPercentile;
  }

  default double getUpperPercentile() {
    return (Double) getOrDefault(upperPercentile());
  }

  default Param<String> action() {
    return paramDefinitions().action;
  }

  default String getAction() {
    return getOrDefault(action());
  }

  /**
   * The schema after the action, checking on the way that every input column is numeric and that no added column is
   * already there.
   */
  default StructType boundedSchema(StructType schema) {
    String[] inputs = getInputCols();
    StageColumns.requireDistinct(STAGE, inputs);
    boolean clip = getAction().equals(CLIP);
    if (!clip && getOutputCols().length > 0) {
      throw new IllegalArgumentException(STAGE + ": outputCols are for action clip; flag adds <column>" + FLAG_SUFFIX);
    }
    String[] outputs = outputNames(STAGE, inputs, getOutputCols());
    List<String> added = new ArrayList<>();
    StructType result = schema;
    for (int i = 0; i < inputs.length; i++) {
      StructField input = numericField(STAGE, schema, inputs[i]);
      if (!clip) {
        added.add(inputs[i] + FLAG_SUFFIX);
        result = result.add(inputs[i] + FLAG_SUFFIX, DataTypes.DoubleType, false);
      } else if (!outputs[i].equals(inputs[i])) {
        added.add(outputs[i]);
        result = result.add(outputs[i], input.dataType(), input.nullable());
      }
    }
    StageColumns.requireNew(STAGE, schema, added);
    return result;
  }
}
