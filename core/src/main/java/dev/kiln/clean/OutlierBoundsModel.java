package dev.kiln.clean;

import static dev.kiln.clean.StageColumns.missing;
import static dev.kiln.clean.StageColumns.quoted;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted {@link OutlierBounds}: the bounds learnt for each input column, applied by {@code action}.
 *
 * <ul>
 *   <li>{@code clip} (winsorise): a value below its column's lower bound becomes the lower bound, one above the upper
 *       bound the upper bound; in place or into {@code outputCols}, with the input column's type (an integer column
 *       is clipped to the nearest integers inside the bounds);</li>
 *   <li>{@code flag}: adds {@code <input column>_outlier} (double), 1.0 for a value outside the bounds, else 0.0;
 *       the values stay as they are.</li>
 * </ul>
 * Null and NaN pass through untouched and are never flagged. Dropping outlier rows is not a serving transform: the
 * cleaning step filters its training rows with {@link #withinBounds()} and counts what it drops.
 *
 * <p><b>Saved</b> with Spark's params metadata and a Parquet file of (column, lower, upper), so it persists inside a
 * {@code PipelineModel} and {@code PipelineModel.load} restores it.
 */
public final class OutlierBoundsModel extends Model<OutlierBoundsModel> implements OutlierBoundsParams, MLWritable {

  /** The bounds learnt for one column: its values in [lower, upper] are not outliers. */
  public record Bounds(double lower, double upper) {}

  private static final StructType LEARNED = new StructType().add("column", DataTypes.StringType, false)
      .add("lower", DataTypes.DoubleType, false).add("upper", DataTypes.DoubleType, false);

  private final String uid;
  private final Definitions params;
  private final Map<String, Bounds> bounds;

  OutlierBoundsModel(String uid, Map<String, Bounds> bounds) {
    this.uid = uid;
    this.params = new Definitions(this);
    this.bounds = Map.copyOf(bounds);
  }

  /** Spark's {@code DefaultParamsReader} finds this by reflection when {@code PipelineModel.load} meets this stage. */
  public static MLReader<OutlierBoundsModel> read() {
    return LearnedValuesIO.reader(OutlierBoundsModel.class, (uid, data) -> {
      Map<String, Bounds> bounds = new HashMap<>();
      for (Row row : data.collectAsList()) {
        bounds.put(row.getString(0), new Bounds(row.getDouble(1), row.getDouble(2)));
      }
      return new OutlierBoundsModel(uid, bounds);
    });
  }

  @Override
  public MLWriter write() {
    return LearnedValuesIO.writer(this, this::learnedValues);
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Definitions paramDefinitions() {
    return params;
  }

  /** The bounds of each input column, in input column order. */
  public Map<String, Bounds> bounds() {
    Map<String, Bounds> result = new LinkedHashMap<>();
    for (String input : getInputCols()) {
      result.put(input, bounds.get(input));
    }
    return result;
  }

  /**
   * True for a row whose every input column is within its bounds, null or NaN: the filter that drops outlier rows
   * from training data (apply it to the values before they are clipped).
   */
  public Column withinBounds() {
    Column within = lit(true);
    for (String input : getInputCols()) {
      within = within.and(not(outside(input)));
    }
    return within;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    for (String input : getInputCols()) {
      if (!bounds.containsKey(input)) {
        throw new IllegalArgumentException(STAGE + ": column '" + input + "' was not fitted");
      }
    }
    return boundedSchema(schema);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    Dataset<Row> rows = dataset.toDF();
    String[] inputs = getInputCols();
    String[] outputs = StageColumns.outputNames(STAGE, inputs, getOutputCols());
    Map<String, Column> results = new LinkedHashMap<>();
    for (int i = 0; i < inputs.length; i++) {
      if (getAction().equals(FLAG)) {
        results.put(inputs[i] + FLAG_SUFFIX, when(outside(inputs[i]), 1.0).otherwise(0.0));
      } else {
        results.put(outputs[i], clipped(inputs[i], rows.schema().apply(inputs[i]).dataType()));
      }
    }
    return StageColumns.withResults(rows, rows.columns(), results);
  }

  @Override
  public OutlierBoundsModel copy(ParamMap extra) {
    return copyValues(new OutlierBoundsModel(uid, bounds), extra).setParent(parent());
  }

  /** True for a present value outside its column's bounds; false for one inside, null or NaN (never null). */
  private Column outside(String input) {
    Column value = quoted(input);
    Bounds b = bounds.get(input);
    return present(value).and(value.lt(b.lower()).or(value.gt(b.upper())));
  }

  private Column clipped(String input, DataType type) {
    Column value = quoted(input);
    Bounds b = bounds.get(input);
    boolean integral = type instanceof IntegralType;
    Column lower = lit(integral ? Math.ceil(b.lower()) : b.lower()).cast(type);
    Column upper = lit(integral ? Math.floor(b.upper()) : b.upper()).cast(type);
    return when(present(value).and(value.lt(b.lower())), lower)
        .when(present(value).and(value.gt(b.upper())), upper)
        .otherwise(value);
  }

  /** Neither null nor NaN. (Spark orders NaN above every number: it must be ruled out before comparing.) */
  private static Column present(Column value) {
    return not(missing(value, DataTypes.DoubleType));
  }

  private Dataset<Row> learnedValues(SparkSession spark) {
    List<Row> rows = new ArrayList<>();
    bounds.forEach((column, b) -> rows.add(RowFactory.create(column, b.lower(), b.upper())));
    return spark.createDataFrame(rows, LEARNED);
  }
}
