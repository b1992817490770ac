package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** XGBoost inside a Kiln pipeline: trained on the Spark cluster, saved and loaded with the PipelineModel. */
@UsesSpark
class XGBoostTest {

  @TempDir
  Path dir;

  @Test
  void aPipelineWithXgboostSavesAndLoadsAndPredictsTheSame(SparkSession spark, DataFrameAssertions frames)
      throws Exception {
    Dataset<Row> rows = Learning.multiclass(spark, 1500);
    ModelTrainer trainer = Learning.trainer(Learning.model("xgboost", Task.MULTICLASS, Map.of("numRound", "20")),
        Task.MULTICLASS);
    PipelineModel model = trainer.fit(rows);
    String path = dir.resolve("model").toString();
    model.write().save(path);
    PipelineModel loaded = PipelineModel.load(path);

    List<String> stages = Arrays.stream(loaded.stages()).map(s -> s.getClass().getSimpleName()).toList();
    assertTrue(stages.contains("DenseVectors") && stages.contains("MulticlassXGBoostModel"), stages.toString());
    Dataset<Row> unlabelled = rows.drop("y");
    frames.assertEqualsIgnoringOrder(model.transform(unlabelled).select("x1", "x2", "probability",
        ModelTrainer.PREDICTED_LABEL), loaded.transform(unlabelled).select("x1", "x2", "probability",
        ModelTrainer.PREDICTED_LABEL));
    assertTrue(Learning.metrics(loaded, rows, Task.MULTICLASS).get("accuracy") > 0.85);

    Map<String, String> params = trainer.effectiveParams();
    assertEquals("20", params.get("numRound"));
    assertEquals(String.valueOf(rows.javaRDD().getNumPartitions()), params.get("numWorkers"),
        "one worker a partition of the training rows, within the cluster's cores");
    // Three classes and the indexer's slot for unseen ones: the loaded model keeps them all.
    assertEquals(4, ((XGBoostClassificationModel) FeatureImportances.predictor(loaded)).numClasses());
  }
}
