package dev.kiln.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kiln's frequency encoder: the shares it learns, how it applies them, and its persistence. */
@UsesSpark
class FrequencyEncoderTest {

  @TempDir
  Path dir;

  @Test
  void learnsEachValuesShareOfTheRowsNullsCounted(SparkSession spark, DataFrameAssertions frames)
      throws Exception {
    Dataset<Row> train = spark.sql("SELECT * FROM VALUES ('a', 1), ('a', 1), ('b', 2), ('c', 2), "
        + "(CAST(NULL AS STRING), 3) AS t(city, code)");
    FrequencyEncoder encoder = new FrequencyEncoder().setInputCols("city", "code")
        .setOutputCols("city_share", "code_share");
    FrequencyEncoderModel model = encoder.fit(train);
    assertEquals(Map.of("city", Map.of("a", 0.4, "b", 0.2, "c", 0.2),
        "code", Map.of("1", 0.4, "2", 0.4, "3", 0.2)), model.frequencies());

    Dataset<Row> serving = spark.sql("SELECT * FROM VALUES ('a', 3), ('zzz', 9), (CAST(NULL AS STRING), "
        + "CAST(NULL AS INT)) AS t(city, code)");
    List<Row> out = model.transform(serving).select("city_share", "code_share").collectAsList();
    assertEquals(List.of(0.4, 0.0, 0.0), out.stream().map(r -> r.getDouble(0)).toList(), "unseen and null: 0");
    assertEquals(List.of(0.2, 0.0, 0.0), out.stream().map(r -> r.getDouble(1)).toList());
    assertEquals(0.4, model.frequency("city", "a"));
    assertEquals(0.2, model.frequency("code", 3), "the Spark-free lookup compares integers as Spark's cast does");
    assertEquals(0.0, model.frequency("city", null));

    // Inside a saved pipeline, the learned shares come back with it.
    PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {encoder}).fit(train);
    fitted.write().save(dir.resolve("model").toString());
    PipelineModel loaded = PipelineModel.load(dir.resolve("model").toString());
    frames.assertEquals(fitted.transform(serving), loaded.transform(serving));
    assertEquals(model.frequencies(), ((FrequencyEncoderModel) loaded.stages()[0]).frequencies());
    Pipeline.load(saveEstimator(encoder)).fit(train);
  }

  @Test
  void refusesColumnsItCannotEncode(SparkSession spark) {
    Dataset<Row> rows = spark.sql("SELECT 1.5D AS price");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new FrequencyEncoder().setInputCols("price").fit(rows));
    assertEquals("FrequencyEncoder: column 'price' has type double; it needs a string, integer or boolean type",
        e.getMessage());
  }

  private String saveEstimator(FrequencyEncoder encoder) throws Exception {
    String path = dir.resolve("pipeline").toString();
    new Pipeline().setStages(new PipelineStage[] {encoder}).write().save(path);
    return path;
  }
}
