package dev.kiln.clean;

import static dev.kiln.clean.StageColumns.field;
import static dev.kiln.clean.StageColumns.outputNames;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The params of {@link GroupedImputer} and {@link GroupedImputerModel}; {@link GroupedImputer} says what they do. */
public interface GroupedImputerParams extends CleaningParams {

  String STAGE = "GroupedImputer";
  String MEAN = "mean";
  String MEDIAN = "median";
  String MODE = "mode";
  String CONSTANT = "constant";
  /** Appended to an input column's name for its missing-value indicator. */
  String INDICATOR_SUFFIX = "_was_missing";

  @Override
  Definitions paramDefinitions();

  /** The param objects of one imputer or imputer model. */
  final class Definitions extends CleaningParams.Definitions {

    final StringArrayParam groupByCols;
    final Param<String> numericStrategy;
    final DoubleParam numericConstant;
    final Param<String> categoricalStrategy;
    final Param<String> categoricalConstant;
    final BooleanParam addIndicators;

    Definitions(Params owner) {
      super(owner);
      groupByCols = new StringArrayParam(owner, "groupByCols",
          "learn each statistic per group of these columns; unseen or all-missing groups use the global statistic");
      numericStrategy = new Param<>(owner, "numericStrategy", "how numeric columns are filled: mean, median "
          + "(approximate, within relativeError) or constant (numericConstant)",
          ParamValidators.inArray(List.of(MEAN, MEDIAN, CONSTANT)));
      numericConstant = new DoubleParam(owner, "numericConstant", "the fill of numeric columns with strategy constant");
      categoricalStrategy = new Param<>(owner, "categoricalStrategy", "how string columns are filled: mode (the most "
          + "frequent value, the smallest on a tie) or constant (categoricalConstant)",
          ParamValidators.inArray(List.of(MODE, CONSTANT)));
      categoricalConstant = new Param<>(owner, "categoricalConstant",
          "the fill of string columns with strategy constant: an explicit missing category by default");
      addIndicators = new BooleanParam(owner, "addIndicators",
          "add <input column>" + INDICATOR_SUFFIX + ": 1.0 where the value was missing, else 0.0");
      owner.setDefault(groupByCols, new String[0]);
      owner.setDefault(numericStrategy, MEAN);
      owner.setDefault(categoricalStrategy, MODE);
      owner.setDefault(categoricalConstant, "__missing__");
      owner.setDefault(addIndicators, false);
    }
  }

  default StringArrayParam groupByCols() {
    return paramDefinitions().groupByCols;
  }

  default String[] getGroupByCols() {
    return getOrDefault(groupByCols());
  }

  default Param<String> numericStrategy() {
    return paramDefinitions().numericStrategy;
  }

  default String getNumericStrategy() {
    return getOrDefault(numericStrategy());
  }

  default DoubleParam numericConstant() {
    return paramDefinitions().numericConstant;
  }

  default double getNumericConstant() {
    return (Double) getOrDefault(numericConstant());
  }

  default Param<String> categoricalStrategy() {
    return paramDefinitions().categoricalStrategy;
  }

  default String getCategoricalStrategy() {
    return getOrDefault(categoricalStrategy());
  }

  default Param<String> categoricalConstant() {
    return paramDefinitions().categoricalConstant;
  }

  default String getCategoricalConstant() {
    return getOrDefault(categoricalConstant());
  }

  default BooleanParam addIndicators() {
    return paramDefinitions().addIndicators;
  }

  default boolean getAddIndicators() {
    return (Boolean) getOrDefault(addIndicators());
  }

  /**
   * The schema after imputation, checking on the way that every input column is numeric or string, that the group
   * columns exist and are not imputed themselves, and that no added column is already there.
   */
  default StructType imputedSchema(StructType schema) {
    String[] inputs = getInputCols();
    String[] outputs = outputNames(STAGE, inputs, getOutputCols());
    StageColumns.requireDistinct(STAGE, inputs);
    for (String group : getGroupByCols()) {
      field(STAGE, schema, group);
      if (List.of(inputs).contains(group)) {
        throw new IllegalArgumentException(STAGE + ": column '" + group + "' is both imputed and a group column");
      }
    }
    List<String> added = new ArrayList<>();
    StructType result = schema;
    for (int i = 0; i < inputs.length; i++) {
      StructField input = field(STAGE, schema, inputs[i]);
      if (!(input.dataType() instanceof NumericType || input.dataType() instanceof StringType)) {
        throw StageColumns.wrongType(STAGE, input, "a numeric or string type");
      }
      if (!outputs[i].equals(inputs[i])) {
        added.add(outputs[i]);
        result = result.add(outputs[i], input.dataType(), input.nullable());
      }
    }
    if (getAddIndicators()) {
      for (String input : inputs) {
        added.add(input + INDICATOR_SUFFIX);
        result = result.add(input + INDICATOR_SUFFIX, DataTypes.DoubleType, false);
      }
    }
    StageColumns.requireNew(STAGE, schema, added);
    return result;
  }
}
