package dev.kiln.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelVersion;
import dev.kiln.testing.UsesSpark;
import dev.kiln.train.ModelTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The label decides the task (model.task = auto), and the loop trains and measures each kind. */
@UsesSpark
class TrainingLoopTasksTest {

  @TempDir
  Path dir;

  /** Three species told apart by two measurements (clusters), with a little overlap. */
  private Path species(SparkSession spark) {
    Path data = dir.resolve("species");
    spark.range(3000).selectExpr(
            "element_at(array('adelie', 'chinstrap', 'gentoo'), cast(id % 3 as int) + 1) as species",
            "(id % 3) * 4.0 + (hash(id, 1) % 1000) / 400.0 as bill",
            "(id % 3) * 3.0 + (hash(id, 2) % 1000) / 400.0 as flipper",
            "element_at(array('a', 'b'), cast(abs(hash(id, 3)) % 2 as int) + 1) as island")
        .write().parquet(data.toString());
    return data;
  }

  private PipelineConfig config(Path data, String label, String extra) throws IOException {
    Path file = dir.resolve(label + ".conf");
    Files.writeString(file, """
        warehouse = "%s"
        pipeline.name = tasks-%s
        source { format = parquet, path = "%s" }
        sample.fraction = 1.0
        features { label = %s, numeric = [bill, flipper], categorical = [island] }
        evaluation.test-fraction = 0.25
        spark.partitions = 2
        %s
        """.formatted(dir.resolve("warehouse"), label, data.toUri(), label, extra));
    return Preflight.check(ConfigLayers.load(file, Map.of(), List.of()), new Configuration());
  }

  @Test
  void aTextLabelIsMulticlassAndTheModelPredictsClassNames(SparkSession spark) throws IOException {
    Path data = species(spark);
    PipelineConfig config = config(data, "species", "model.params.maxIter = 50");

    ModelVersion version = new TrainingLoop(spark, config, TrainingLoop.Progress.silent())
        .run(new DeltaRegistry(spark, config.registry().root()));

    assertEquals("multiclass", version.params().get("task"));
    assertTrue(version.metrics().get("accuracy") > 0.9, version.metrics().toString());
    assertTrue(version.metrics().get("log_loss") < 0.5, version.metrics().toString());
    for (String species : List.of("adelie", "chinstrap", "gentoo")) {
      // Per-class metrics are named by the classes the model's label indexer learnt, and each class is learnt.
      assertTrue(version.metrics().get("recall." + species) > 0.8, version.metrics().toString());
      assertTrue(version.metrics().get("precision." + species) > 0.8, version.metrics().toString());
    }
    assertEquals(version.metrics().get("test_rows"), List.of("adelie", "chinstrap", "gentoo").stream()
        .mapToDouble(s -> version.metrics().get("support." + s)).sum());
    assertTrue(version.signature().contains(ModelTrainer.PREDICTED_LABEL), version.signature());

    // Serving sends rows without the label: the saved model indexes nothing and answers with class names.
    Dataset<Row> unlabelled = spark.read().parquet(data.toString()).drop("species").limit(30);
    List<Row> predicted = PipelineModel.load(version.artifactUri()).transform(unlabelled)
        .select(ModelTrainer.PREDICTED_LABEL).distinct().collectAsList();
    assertEquals(3, predicted.size(), predicted.toString());
    assertTrue(predicted.stream().allMatch(r -> List.of("adelie", "chinstrap", "gentoo").contains(r.getString(0))));
  }

  @Test
  void aNumericLabelOutsideZeroAndOneIsRefusedForABinaryTask(SparkSession spark) throws IOException {
    Path data = dir.resolve("numbers");
    spark.range(200).selectExpr("cast(id % 3 as double) as y", "id * 1.0 as bill", "id * 2.0 as flipper",
        "'a' as island").write().parquet(data.toString());
    PipelineConfig config = config(data, "y", "model.task = binary");

    var error = org.junit.jupiter.api.Assertions.assertThrows(dev.kiln.errors.InvalidInputException.class,
        () -> new TrainingLoop(spark, config, TrainingLoop.Progress.silent())
            .run(new DeltaRegistry(spark, config.registry().root())));
    assertTrue(error.getMessage().contains("'y' has 66 rows whose value is not 0 or 1"), error.getMessage());
  }
}
