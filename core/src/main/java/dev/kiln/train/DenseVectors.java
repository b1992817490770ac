package dev.kiln.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.StructType;

/**
 * Stores a vector column densely, in place, keeping its metadata (the feature names). XGBoost4J-Spark 3.x refuses
 * sparse vectors unless {@code missing = 0} (which would make every real zero a missing value), and even then fails
 * at prediction time on rows whose vector is all zeros (3.1 and 3.2 crash the JVM in native code; 3.0 throws), so
 * Kiln puts this stage in front of XGBoost: every value, zeros included, reaches it as a value. Saved with Spark's
 * params metadata.
 */
public final class DenseVectors extends Transformer implements DefaultParamsWritable {

  private final String uid;
  private final Param<String> inputCol;

  public DenseVectors(String uid) {
    this.uid = uid;
    inputCol = new Param<>(this, "inputCol", "the vector column stored densely, in place");
  }

  public DenseVectors() {
    this(Identifiable.randomUID("denseVectors"));
  }

  /** Spark's {@code DefaultParamsReader} finds this by reflection when {@code PipelineModel.load} meets this stage. */
  public static MLReader<DenseVectors> read() {
    return new DefaultParamsReader<>();
  }

  public static DenseVectors load(String path) {
    return read().load(path);
  }

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> inputCol() {
    return inputCol;
  }

  public DenseVectors setInputCol(String column) {
    set(inputCol, column);
    return this;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    String column = getOrDefault(inputCol);
    return dataset.toDF().withColumn(column, dense().apply(col("`" + column + "`")),
        dataset.schema().apply(column).metadata());
  }

  private static UserDefinedFunction dense() {
    return udf((UDF1<Vector, Vector>) v -> v == null ? null : v.toDense(), new VectorUDT());
  }

  @Override
  public StructType transformSchema(StructType schema) {
    String column = getOrDefault(inputCol);
    if (!(schema.apply(column).dataType() instanceof VectorUDT)) {
      throw new IllegalArgumentException("column " + column + " is not a vector");
    }
    return schema;
  }

  @Override
  public DenseVectors copy(ParamMap extra) {
    return (DenseVectors) defaultCopy(extra);
  }
}
