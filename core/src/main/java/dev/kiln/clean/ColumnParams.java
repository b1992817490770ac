package dev.kiln.clean;

import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;

/**
 * The params of a Kiln stage that maps input columns to output columns, one for one: the cleaning stages
 * ({@link CleaningParams}) and the feature stages of {@code dev.kiln.feature}. A stage and its model share one set of
 * param names, as Spark's stages do, so that {@code copyValues} carries the estimator's settings to the fitted model
 * and {@code DefaultParamsReader} restores them.
 *
 * <p>Spark finds a stage's params by reflection, through its public no-argument methods that return a {@code Param};
 * the accessors below are those methods. The {@code Param} objects themselves live in a {@link Definitions} that each
 * stage instance creates for itself (a param belongs to the uid of the stage that created it).
 */
public interface ColumnParams extends Params {

  /** This stage's own param objects. */
  Definitions paramDefinitions();

  /** The param objects of one stage instance. */
  class Definitions {

    final StringArrayParam inputCols;
    final StringArrayParam outputCols;

    /** {@code reads}: what the input columns are, e.g. "the columns to clean". */
    public Definitions(Params owner, String reads) {
      inputCols = new StringArrayParam(owner, "inputCols", reads);
      outputCols = new StringArrayParam(owner, "outputCols",
          "where the results go, one column for each input column; empty: in place");
      owner.setDefault(outputCols, new String[0]);
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
}
