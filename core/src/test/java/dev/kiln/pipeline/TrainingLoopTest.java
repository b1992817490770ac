package dev.kiln.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig;
import dev.kiln.generate.ChurnDataGenerator;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelVersion;
import dev.kiln.testing.UsesSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UsesSpark
class TrainingLoopTest {

  @TempDir
  Path dir;

  @Test
  void theLoopAccountsForEveryRowAndRegistersAModelThatLearnt(SparkSession spark) throws IOException {
    Path file = dir.resolve("churn.conf");
    Files.writeString(file, """
        warehouse = "%s"
        pipeline.name = loop-test
        source { format = generated, generated { rows = 6000, seed = 3 } }
        sample { fraction = 0.8, seed = 5 }
        clean.dedup { key = [customer_id], latest-by = updated_at }
        features {
          label = churned
          numeric = [tenure_months, monthly_charges, total_charges, support_calls, age]
          categorical = [country, plan, contract, payment_method]
        }
        model { algorithm = logistic-regression, params { maxIter = 30 } }
        evaluation { split-by = [customer_id], test-fraction = 0.25 }
        spark.partitions = 3
        """.formatted(dir.resolve("warehouse")));
    PipelineConfig config = Preflight.check(ConfigLayers.load(file, Map.of(), List.of()), new Configuration());
    List<String> progress = new ArrayList<>();

    DeltaRegistry registry = new DeltaRegistry(spark, config.registry().root());
    ModelVersion version = new TrainingLoop(spark, config, (step, detail) -> progress.add(step)).run(registry);

    Map<String, Long> ledger = version.ledger();
    assertEquals(6000, ledger.get(RowLedger.SOURCE));
    assertEquals(ledger.get(RowLedger.SAMPLED), ledger.get(RowLedger.EXACT_DUPLICATES)
        + ledger.get(RowLedger.SUPERSEDED) + ledger.get(RowLedger.QUARANTINED) + ledger.get(RowLedger.TRAIN)
        + ledger.get(RowLedger.TEST), "every sampled row is kept, removed as a duplicate, or quarantined");
    assertEquals(0, new RowLedger().putAll(ledger).unaccounted());
    assertEquals(4800, ledger.get(RowLedger.SAMPLED), 200);
    assertTrue(ledger.get(RowLedger.EXACT_DUPLICATES) > 0 && ledger.get(RowLedger.SUPERSEDED) > 0, ledger.toString());
    assertEquals(ledger.get(RowLedger.TEST).doubleValue(), version.metrics().get("test_rows"));

    assertTrue(version.metrics().get("auc_roc") > 0.7, "the label has signal: " + version.metrics());
    assertEquals("loop-test", version.name());
    assertEquals(1, version.version());
    assertEquals(config.hash(), version.configHash());
    assertTrue(version.lineage().sourceVersion().isPresent(), "a generated source is a versioned Delta table");
    assertEquals(List.of("source", "sample", "clean", "prepare", "split", "train", "evaluate", "register"), progress);

    // The saved model is the whole pipeline: it scores raw rows, imputing and encoding them itself.
    PipelineModel saved = PipelineModel.load(version.artifactUri());
    long scored = saved.transform(new ChurnDataGenerator(ChurnDataGenerator.Spec.of(1000, 99)).generate(spark, 1))
        .filter("prediction is not null").count();
    assertEquals(1000, scored);
  }


  @Test
  void autoPartitionsFollowTheCoresAndALongFitIsCheckpointedThenCleanedUp(SparkSession spark) throws Exception {
    Path checkpoints = dir.resolve("checkpoints");
    Path file = dir.resolve("auto.conf");
    Files.writeString(file, """
        warehouse = "%s"
        pipeline.name = auto-test
        source { format = generated, generated { rows = 3000, seed = 3 } }
        features {
          label = churned
          numeric = [tenure_months, monthly_charges, support_calls]
          categorical = [contract]
        }
        model { algorithm = gbt, params { maxIter = 6, maxDepth = 3, checkpointInterval = 2 } }
        spark { partitions = auto, checkpoint-dir = "%s" }
        """.formatted(dir.resolve("warehouse"), checkpoints));
    PipelineConfig config = Preflight.check(ConfigLayers.load(file, Map.of(), List.of()), new Configuration());
    // A checkpointed RDD's lineage starts at the files it was saved to: later stages read a ReliableCheckpointRDD.
    List<String> rdds = java.util.Collections.synchronizedList(new ArrayList<>());
    SparkListener listener = new SparkListener() {
      @Override
      public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
        scala.collection.JavaConverters.seqAsJavaList(submitted.stageInfo().rddInfos())
            .forEach(r -> rdds.add(r.name()));
      }
    };
    String shufflePartitions = spark.conf().get("spark.sql.shuffle.partitions");
    List<String> progress = new ArrayList<>();
    spark.sparkContext().addSparkListener(listener);
    TrainingLoop.Trained trained;
    try {
      trained = new TrainingLoop(spark, config, (step, detail) -> progress.add(step + " " + detail)).train();
      spark.sparkContext().listenerBus().waitUntilEmpty(10_000);
    } finally {
      spark.sparkContext().removeSparkListener(listener);
      spark.conf().set("spark.sql.shuffle.partitions", shufflePartitions);
    }

    int expected = Parallelism.TASKS_PER_CORE * spark.sparkContext().defaultParallelism();
    assertEquals(String.valueOf(expected), trained.params().get(Parallelism.PARAM), trained.params().toString());
    assertTrue(progress.stream().anyMatch(p -> p.startsWith("prepare") && p.contains(expected + " partitions")),
        progress.toString());
    assertTrue(rdds.contains("ReliableCheckpointRDD"), "the boosting iterations were checkpointed: " + rdds);
    try (var left = Files.walk(checkpoints)) {
      assertEquals(List.of(checkpoints), left.toList(), "the fit's checkpoints are deleted after it");
    }
    assertTrue(trained.metrics().get("auc_roc") > 0.6, trained.metrics().toString());
  }

  @Test
  void featuresMissingTooOftenInTheTrainingSplitAreLeftOutAndReported(SparkSession spark) throws IOException {
    Path file = dir.resolve("sparse.conf");
    Files.writeString(file, """
        warehouse = "%s"
        pipeline.name = sparse-test
        source { format = generated, generated { rows = 2000, seed = 3 } }
        features {
          label = churned
          numeric = [tenure_months, monthly_charges, total_charges]
          categorical = [plan, payment_method]
          drop-missing-over = 0.001
        }
        model { algorithm = logistic-regression, params { maxIter = 10 } }
        spark.partitions = 2
        """.formatted(dir.resolve("warehouse")));
    PipelineConfig config = Preflight.check(ConfigLayers.load(file, Map.of(), List.of()), new Configuration());
    List<String> progress = new ArrayList<>();
    TrainingLoop.Trained trained = new TrainingLoop(spark, config, (step, detail) -> progress.add(step + " " + detail))
        .train();
    // The generator leaves total_charges and payment_method missing in a few percent of rows; the others never.
    assertEquals("total_charges,payment_method", trained.params().get("dropped_features"), trained.params().toString());
    assertTrue(progress.stream().anyMatch(p -> p.startsWith("features left out, over 0.1% missing: total_charges (")),
        progress.toString());
    assertTrue(!trained.signature().contains("total_charges") && trained.signature().contains("tenure_months"),
        trained.signature());
  }
}
