package dev.kiln.feature;

import static dev.kiln.clean.StageColumns.quoted;
import static org.apache.spark.sql.functions.udf;

import dev.kiln.clean.LearnedValuesIO;
import dev.kiln.clean.StageColumns;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted {@link FrequencyEncoder}: each input column's value replaced by (or, with {@code outputCols}, added as)
 * its share of the fitting rows, a double; unseen values and null give 0.0.
 *
 * <p><b>Without Spark</b>: {@link #frequency(String, Object)} encodes one value exactly as {@link #transform} does,
 * and {@link #frequencies()} hands out what was learnt.
 *
 * <p><b>Saved</b> with Spark's params metadata and a Parquet file of (column, value, frequency), so it persists inside
 * a {@code PipelineModel} and {@code PipelineModel.load} restores it.
 */
public final class FrequencyEncoderModel extends Model<FrequencyEncoderModel>
    implements FrequencyEncoderParams, MLWritable {

  private static final StructType LEARNED = new StructType().add("column", DataTypes.StringType, false)
      .add("value", DataTypes.StringType, false).add("frequency", DataTypes.DoubleType, false);

  private final String uid;
  private final Definitions params;
  /** Column → value (as a string) → share of the fitting rows. */
  private final Map<String, Map<String, Double>> frequencies;

  FrequencyEncoderModel(String uid, Map<String, Map<String, Double>> frequencies) {
    this.uid = uid;
    this.params = new Definitions(this, READS);
    Map<String, Map<String, Double>> copy = new LinkedHashMap<>();
    frequencies.forEach((column, shares) -> copy.put(column, Collections.unmodifiableMap(new TreeMap<>(shares))));
    this.frequencies = Collections.unmodifiableMap(copy);
  }

  /** Spark's {@code DefaultParamsReader} finds this by reflection when {@code PipelineModel.load} meets this stage. */
  public static MLReader<FrequencyEncoderModel> read() {
    return LearnedValuesIO.reader(FrequencyEncoderModel.class, (uid, data) -> {
      Map<String, Map<String, Double>> frequencies = new LinkedHashMap<>();
      for (Row row : data.collectAsList()) {
        frequencies.computeIfAbsent(row.getString(0), c -> new HashMap<>()).put(row.getString(1), row.getDouble(2));
      }
      return new FrequencyEncoderModel(uid, frequencies);
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

  /** For each input column, in input column order: value → its share of the fitting rows (values sorted). */
  public Map<String, Map<String, Double>> frequencies() {
    Map<String, Map<String, Double>> result = new LinkedHashMap<>();
    for (String input : getInputCols()) {
      result.put(input, frequencies.getOrDefault(input, Map.of()));
    }
    return result;
  }

  /** The encoding of {@code value} in {@code column}: its share of the fitting rows; 0.0 for unseen and null. */
  public double frequency(String column, Object value) {
    return value == null ? 0.0 : frequencies.getOrDefault(column, Map.of()).getOrDefault(String.valueOf(value), 0.0);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return encodedSchema(schema);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    String[] inputs = getInputCols();
    return StageColumns.withEach(dataset.toDF(), STAGE, inputs, getOutputCols(), i -> lookup(
        frequencies.getOrDefault(inputs[i], Map.of())).apply(quoted(inputs[i]).cast(DataTypes.StringType)));
  }

  @Override
  public FrequencyEncoderModel copy(ParamMap extra) {
    return copyValues(new FrequencyEncoderModel(uid, frequencies), extra).setParent(parent());
  }

  /** A hash lookup of one column's shares (a map literal would be searched linearly, row by row). */
  private static UserDefinedFunction lookup(Map<String, Double> shares) {
    HashMap<String, Double> table = new HashMap<>(shares);
    UDF1<String, Double> share = value -> value == null ? 0.0 : table.getOrDefault(value, 0.0);
    return udf(share, DataTypes.DoubleType).asNonNullable();
  }

  private Dataset<Row> learnedValues(SparkSession spark) {
    List<Row> rows = new ArrayList<>();
    frequencies.forEach((column, shares) -> shares.forEach((value, share) ->
        rows.add(RowFactory.create(column, value, share))));
    return spark.createDataFrame(rows, LEARNED);
  }
}
