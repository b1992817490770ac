package dev.kiln.feature;

import static dev.kiln.clean.StageColumns.quoted;
import static org.apache.spark.sql.functions.when;

import dev.kiln.clean.ColumnParams;
import dev.kiln.clean.StageColumns;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code log1p} (the natural logarithm of 1 + x) of numeric columns, as doubles: for skewed, non-negative values
 * such as amounts and counts. A value of -1 or less has no logarithm and becomes null, as does null; NaN stays NaN
 * (the imputer after it treats both as missing). Nothing is learnt: a {@link Transformer}, saved with its params.
 *
 * <p><b>Without Spark</b>: {@link #log1p(Double)} computes one value exactly as {@link #transform} does (both use
 * {@link StrictMath#log1p}).
 */
public final class LogTransform extends Transformer implements ColumnParams, DefaultParamsWritable {

  public static final String STAGE = "LogTransform";

  private final String uid;
  private final Definitions params;

  public LogTransform(String uid) {
    this.uid = uid;
    this.params = new Definitions(this, "the numeric columns to take the log1p of (outputs are doubles)");
  }

  public LogTransform() {
    this(Identifiable.randomUID("logTransform"));
  }

  /** Spark's {@code DefaultParamsReader} finds this by reflection when {@code PipelineModel.load} meets this stage. */
  public static MLReader<LogTransform> read() {
    return new DefaultParamsReader<>();
  }

  /** log1p of {@code value}: null for null and for values of -1 or less, NaN for NaN. */
  public static Double log1p(Double value) {
    if (value == null) {
      return null;
    }
    return value.isNaN() ? value : value > -1 ? StrictMath.log1p(value) : null;
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Definitions paramDefinitions() {
    return params;
  }

  public LogTransform setInputCols(String... columns) {
    set(inputCols(), columns);
    return this;
  }

  public LogTransform setOutputCols(String... columns) {
    set(outputCols(), columns);
    return this;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    for (String input : getInputCols()) {
      StageColumns.numericField(STAGE, schema, input);
    }
    return StageColumns.withOutputs(STAGE, schema, getInputCols(), getOutputCols(), DataTypes.DoubleType, true);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    String[] inputs = getInputCols();
    return StageColumns.withEach(dataset.toDF(), STAGE, inputs, getOutputCols(), i -> {
      Column value = quoted(inputs[i]).cast(DataTypes.DoubleType);
      // Spark orders NaN above every number, so NaN passes the test and log1p(NaN) is NaN, as in log1p(Double).
      return when(value.gt(-1), org.apache.spark.sql.functions.log1p(value));
    });
  }

  @Override
  public LogTransform copy(ParamMap extra) {
    return defaultCopy(extra);
  }
}
