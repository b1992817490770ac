package dev.kiln.feature;

import static dev.kiln.clean.StageColumns.quoted;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Estimator;
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
 * Frequency encoding of categorical columns: each value becomes the share of the rows it is fitted on (in Kiln: the
 * training split) that hold it, a number in [0, 1] that stays one column however many values there are. The fitted
 * {@link FrequencyEncoderModel}, saved inside the {@code PipelineModel}, applies the very same shares when serving.
 *
 * <p><b>What it learns</b>, for each input column: value → (rows with that value) / (all rows, nulls included).
 * Values are compared as strings (Spark's cast: {@code 42}, {@code true}), so an integer or boolean column works too.
 * A value never seen in fitting, and null, encode as 0.
 *
 * <p><b>Cost</b>: one aggregation for all columns (a count per column and value); the model holds every distinct
 * value, so it suits columns of up to some hundred thousand values.
 */
public final class FrequencyEncoder extends Estimator<FrequencyEncoderModel>
    implements FrequencyEncoderParams, DefaultParamsWritable {

  private static final String COLUMN = "__kiln_column";
  private static final String VALUE = "__kiln_value";
  private static final String PAIR = "__kiln_pair";

  private final String uid;
  private final Definitions params;

  public FrequencyEncoder(String uid) {
    this.uid = uid;
    this.params = new Definitions(this, READS);
  }

  public FrequencyEncoder() {
    this(Identifiable.randomUID("frequencyEncoder"));
  }

  /** Spark's {@code DefaultParamsReader} finds this by reflection when it loads a saved {@code Pipeline}. */
  public static MLReader<FrequencyEncoder> read() {
    return new DefaultParamsReader<>();
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Definitions paramDefinitions() {
    return params;
  }

  public FrequencyEncoder setInputCols(String... columns) {
    set(inputCols(), columns);
    return this;
  }

  public FrequencyEncoder setOutputCols(String... columns) {
    set(outputCols(), columns);
    return this;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return encodedSchema(schema);
  }

  @Override
  public FrequencyEncoderModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    String[] inputs = getInputCols();
    // One row per (row, column): one aggregation counts the values of every column, nulls included.
    Column[] pairs = Arrays.stream(inputs)
        .map(c -> struct(lit(c).as(COLUMN), quoted(c).cast(DataTypes.StringType).as(VALUE)))
        .toArray(Column[]::new);
    List<Row> counts = dataset.toDF().select(explode(array(pairs)).as(PAIR))
        .select(quoted(PAIR).getField(COLUMN).as(COLUMN), quoted(PAIR).getField(VALUE).as(VALUE))
        .groupBy(COLUMN, VALUE).count().collectAsList();
    Map<String, Long> rows = new LinkedHashMap<>();
    counts.forEach(r -> rows.merge(r.getString(0), r.getLong(2), Long::sum));
    Map<String, Map<String, Double>> frequencies = new LinkedHashMap<>();
    for (String input : inputs) {
      frequencies.put(input, new LinkedHashMap<>());
    }
    for (Row count : counts) {
      if (!count.isNullAt(1)) {
        frequencies.get(count.getString(0)).put(count.getString(1),
            count.getLong(2) / (double) rows.get(count.getString(0)));
      }
    }
    return copyValues(new FrequencyEncoderModel(uid, frequencies), ParamMap.empty()).setParent(this);
  }

  @Override
  public FrequencyEncoder copy(ParamMap extra) {
    return defaultCopy(extra);
  }
}
