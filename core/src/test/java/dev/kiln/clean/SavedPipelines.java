package dev.kiln.clean;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** A cleaning stage in a pipeline with Spark's own stages, fitted, saved and loaded back as a model is served. */
record SavedPipelines(PipelineModel fitted, PipelineModel loaded, Pipeline loadedPipeline) {

  /** [cleaning, VectorAssembler of {@code features}, LogisticRegression of {@code label}], fitted on {@code train}. */
  static SavedPipelines fitSaveAndLoad(PipelineStage cleaning, String[] features, Dataset<Row> train, Path dir)
      throws IOException {
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {cleaning,
        new VectorAssembler().setInputCols(features).setOutputCol("features"),
        new LogisticRegression().setMaxIter(5)});
    PipelineModel fitted = pipeline.fit(train);
    fitted.write().save(dir.resolve("model").toString());
    pipeline.write().save(dir.resolve("pipeline").toString());
    return new SavedPipelines(fitted, PipelineModel.load(dir.resolve("model").toString()),
        Pipeline.load(dir.resolve("pipeline").toString()));
  }

  @SuppressWarnings("unchecked")
  <T> T fittedStage() {
    return (T) fitted.stages()[0];
  }

  @SuppressWarnings("unchecked")
  <T> T loadedStage() {
    return (T) loaded.stages()[0];
  }

  @SuppressWarnings("unchecked")
  <T> T loadedEstimator() {
    return (T) loadedPipeline.getStages()[0];
  }
}
