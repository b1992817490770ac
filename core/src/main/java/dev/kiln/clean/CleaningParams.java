package dev.kiln.clean;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;

/**
 * The params every Kiln cleaning stage has: the columns it reads and writes, and the error allowed in the quantiles it
 * learns. A stage and its model share one set of param names, as Spark's stages do, so that {@code copyValues} carries
 * the estimator's settings to the fitted model and {@code DefaultParamsReader} restores them.
 *
 * <p>Spark finds a stage's params by reflection, through its public no-argument methods that return a {@code Param};
 * the accessors below are those methods. The {@code Param} objects themselves live in a {@link Definitions} that each
 * stage instance creates for itself (a param belongs to the uid of the stage that created it).
 */
public interface CleaningParams extends Params {

  /** This stage's own param objects. */
  Definitions paramDefinitions();

  /** The param objects of one stage instance. */
  class Definitions {

    final StringArrayParam inputCols;
    final StringArrayParam outputCols;
    final DoubleParam relativeError;

    Definitions(Params owner) {
      inputCols = new StringArrayParam(owner, "inputCols", "the columns to clean");
      outputCols = new StringArrayParam(owner, "outputCols",
          "where the cleaned values go, one column for each input column; empty: in place");
      relativeError = new DoubleParam(owner, "relativeError",
          "the relative rank error of the approximate quantiles learnt (0 is exact and costly)",
          ParamValidators.inRange(0, 1));
      owner.setDefault(outputCols, new String[0]);
      owner.setDefault(relativeError, 0.001);
    }
  }

  default StringArrayParam inputCols() {
    return paramDefinitions().inputCols;
  }

  default String[] getInputCols() {
    return getOrDefault(inputCols());
  }

  default StringArrayParam outputCols() {
    return paramDefinitions().outputCols;
  }

  default String[] getOutputCols() {
    return getOrDefault(outputCols());
  }

  default DoubleParam relativeError() {
    return paramDefinitions().relativeError;
  }

  default double getRelativeError() {
    return (Double) getOrDefault(relativeError());
  }
}
