package dev.kiln.clean;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;

/**
 * The params every Kiln cleaning stage has: the columns it reads and writes ({@link ColumnParams}), and the error
 * allowed in the quantiles it learns.
 */
public interface CleaningParams extends ColumnParams {

  /** This stage's own param objects. */
  @Override
  Definitions paramDefinitions();

  /** The param objects of one stage instance. */
  class Definitions extends ColumnParams.Definitions {

    final DoubleParam relativeError;

    Definitions(Params owner) {
      super(owner, "the columns to clean");
      relativeError = new DoubleParam(owner, "relativeError",
          "the relative rank error of the approximate quantiles learnt (0 is exact and costly)",
          ParamValidators.inRange(0, 1));
      owner.setDefault(relativeError, 0.001);
    }
  }

  default DoubleParam relativeError() {
    return paramDefinitions().relativeError;
  }

  default double getRelativeError() {
    return (Double) getOrDefault(relativeError());
  }
}
