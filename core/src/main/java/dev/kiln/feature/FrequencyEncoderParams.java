package dev.kiln.feature;

import dev.kiln.clean.ColumnParams;
import dev.kiln.clean.StageColumns;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The params of {@link FrequencyEncoder} and {@link FrequencyEncoderModel}; {@link FrequencyEncoder} says what. */
public interface FrequencyEncoderParams extends ColumnParams {

  String STAGE = "FrequencyEncoder";
  String READS = "the categorical columns to encode";

  /** The schema with the encoded (double) columns, checking that each input is a string, integer or boolean. */
  default StructType encodedSchema(StructType schema) {
    for (String input : getInputCols()) {
      StructField field = StageColumns.field(STAGE, schema, input);
      if (!(field.dataType() instanceof StringType || field.dataType() instanceof IntegralType
          || field.dataType() instanceof BooleanType)) {
        throw StageColumns.wrongType(STAGE, field, "a string, integer or boolean type");
      }
    }
    return StageColumns.withOutputs(STAGE, schema, getInputCols(), getOutputCols(), DataTypes.DoubleType, false);
  }
}
