package dev.kiln.clean;

import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * Saves and loads a fitted Kiln stage (cleaning or feature) the way Spark's own models are saved, so that it travels inside a
 * {@code PipelineModel}: {@code <path>/metadata} is Spark's params JSON ({@code DefaultParamsWriter.saveMetadata}),
 * {@code <path>/data} one small Parquet file of the learned values. Both go through Spark's file systems, so a model
 * saved to {@code s3a://} or {@code hdfs://} loads back from there.
 */
public final class LearnedValuesIO {

  private LearnedValuesIO() {}

  public static MLWriter writer(Params model, Function<SparkSession, Dataset<Row>> learnedValues) {
    return new MLWriter() {
      @Override
      public void saveImpl(String path) {
        DefaultParamsWriter.saveMetadata(model, path, sc(), Option.empty(), Option.empty());
        learnedValues.apply(sparkSession()).repartition(1).write().parquet(dataPath(path));
      }
    };
  }

  /** A reader for {@code type}; {@code restore} rebuilds the model from its uid and the saved learned values. */
  public static <M extends Params> MLReader<M> reader(Class<M> type, BiFunction<String, Dataset<Row>, M> restore) {
    return new MLReader<>() {
      @Override
      public M load(String path) {
        DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sc(), type.getName());
        M model = restore.apply(metadata.uid(), sparkSession().read().parquet(dataPath(path)));
        metadata.getAndSetParams(model, Option.empty());
        return model;
      }
    };
  }

  private static String dataPath(String stagePath) {
    return new Path(stagePath, "data").toString();
  }
}
