package dev.kiln.train;

import java.io.IOException;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import scala.Option;

/**
 * An XGBoost classifier of three or more classes that survives a save and load. XGBoost4J-Spark 3.x (3.0 to 3.2)
 * saves the class count as the param {@code num_class} but its reader looks for a {@code numClass} entry that is never
 * written, and rebuilds every model as binary: the loaded model gives two probabilities and wrong predictions. This
 * stage holds the fitted model and transforms with it; it saves it with XGBoost's writer (under {@code xgboost/})
 * next to Kiln's metadata, and its reader rebuilds it with the class count of its {@code num_class} param (which
 * Kiln always sets for several classes). Loading it needs Kiln's jar, as the
 * pipeline's other Kiln stages do. (A subclass would be simpler, but javac cannot extend the Scala class.)
 */
public final class MulticlassXGBoostModel extends Model<MulticlassXGBoostModel> implements MLWritable {

  private final String uid;
  private final XGBoostClassificationModel model;

  public MulticlassXGBoostModel(XGBoostClassificationModel model) {
    this.uid = model.uid();
    this.model = model;
  }

  /** The XGBoost model, with its class count. */
  public XGBoostClassificationModel model() {
    return model;
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    return model.transform(dataset);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return model.transformSchema(schema);
  }

  @Override
  public MulticlassXGBoostModel copy(ParamMap extra) {
    MulticlassXGBoostModel copy = new MulticlassXGBoostModel(model.copy(extra));
    return hasParent() ? copy.setParent(parent()) : copy;
  }

  @Override
  public MLWriter write() {
    return new MLWriter() {
      @Override
      public void saveImpl(String path) {
        // Kiln's metadata names this class; the class count travels in the XGBoost model's own num_class param.
        DefaultParamsWriter.saveMetadata(MulticlassXGBoostModel.this, path, sparkSession().sparkContext(),
            Option.empty(), Option.empty());
        try {
          model.write().save(path + "/xgboost");
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    };
  }

  @Override
  public void save(String path) throws IOException {
    write().save(path);
  }

  /** Spark's {@code DefaultParamsReader} finds this by reflection when {@code PipelineModel.load} meets this stage. */
  public static MLReader<MulticlassXGBoostModel> read() {
    return new MLReader<>() {
      @Override
      public MulticlassXGBoostModel load(String path) {
        DefaultParamsReader.loadMetadata(path, sparkSession().sparkContext(), MulticlassXGBoostModel.class.getName());
        XGBoostClassificationModel plain = (XGBoostClassificationModel) XGBoostClassificationModel.read()
            .load(path + "/xgboost");
        int classes = plain.getNumClass();
        XGBoostClassificationModel rebuilt = new XGBoostClassificationModel(plain.uid(), classes,
            plain.nativeBooster(), Option.empty());
        return new MulticlassXGBoostModel(plain.copyValues(rebuilt, ParamMap.empty()));
      }
    };
  }

  public static MulticlassXGBoostModel load(String path) {
    return read().load(path);
  }
}
