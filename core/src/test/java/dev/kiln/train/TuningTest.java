package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig;
import dev.kiln.config.PipelineConfig.EarlyStoppingConfig;
import dev.kiln.config.PipelineConfig.ModelConfig;
import dev.kiln.config.PipelineConfig.ParamRange;
import dev.kiln.config.PipelineConfig.ParamSpace;
import dev.kiln.config.PipelineConfig.TuningConfig;
import dev.kiln.pipeline.Preflight;
import dev.kiln.pipeline.RowLedger;
import dev.kiln.pipeline.TrainingLoop;
import dev.kiln.testing.UsesSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UsesSpark
class TuningTest {

  @TempDir
  Path dir;

  /**
   * A label no single split can learn (the sign of x1 · x2): depth 1 is near chance, depth 5 learns it. Run from a
   * config through the training loop, the search must pick depth 5, record every candidate, and see only the
   * training rows.
   */
  @Test
  void aGridSearchFromTheConfigPicksTheDepthThatFitsAndSeesOnlyTrainingRows(SparkSession spark)
      throws IOException {
    Path data = dir.resolve("xor");
    Learning.base(spark, 2000, "cast(case when x1 * x2 > 0 then 1 else 0 end as double)").write()
        .parquet(data.toString());
    Path file = dir.resolve("tuned.conf");
    Files.writeString(file, """
        warehouse = "%s"
        pipeline.name = tuned
        source { format = parquet, path = "%s" }
        sample.fraction = 1.0
        features { label = y, numeric = [x1, x2], categorical = [colour] }
        evaluation.test-fraction = 0.25
        spark.partitions = 2
        model {
          algorithm = decision-tree
          tuning { method = grid, folds = 3, grid.maxDepth = [1, 5] }
        }
        """.formatted(dir.resolve("warehouse"), data.toUri()));
    PipelineConfig config = Preflight.check(ConfigLayers.load(file, Map.of(), List.of()), new Configuration());

    TrainingLoop.Trained trained = new TrainingLoop(spark, config, TrainingLoop.Progress.silent()).train();

    Map<String, String> params = trained.params();
    assertEquals("5", params.get("maxDepth"), params.toString());
    assertEquals("maxDepth=5", params.get("tuning.best"));
    assertEquals("auc_roc", params.get("tuning.metric"));
    assertEquals("cross-validation, 3 folds", params.get("tuning.validation"));
    String[] candidates = params.get("tuning.candidates").split("; ");
    assertEquals(2, candidates.length, params.get("tuning.candidates"));
    double shallow = Double.parseDouble(candidates[0].substring("maxDepth=1: ".length()));
    double deep = Double.parseDouble(candidates[1].substring("maxDepth=5: ".length()));
    assertTrue(deep > 0.9 && shallow < 0.75, params.get("tuning.candidates"));
    // The search saw the training split and nothing else: the held-out rows never reached it.
    assertEquals(trained.ledger().get(RowLedger.TRAIN), Long.parseLong(params.get("tuning.rows")));
    assertTrue(trained.ledger().get(RowLedger.TEST) > 0);
    assertTrue(trained.metrics().get("auc_roc") > 0.9, trained.metrics().toString());
  }

  @Test
  void aTrainValidationSplitPicksTheRegularisationWithTheLowerLogLoss(SparkSession spark) {
    Dataset<Row> rows = Learning.binary(spark, 1500);
    TuningConfig tuning = new TuningConfig("grid", "train-validation-split", 3, 0.75, 2, 10, 4, "log_loss",
        Map.of("regParam", ParamSpace.of(List.of("10", "0.0"))));
    ModelConfig model = new ModelConfig("m", "binary", "logistic-regression", Map.of("maxIter", "30"), List.of(),
        "none", tuning, EarlyStoppingConfig.OFF);
    ModelTrainer trainer = Learning.trainer(model, Task.BINARY);
    trainer.fit(rows);
    Tuning.Result result = trainer.tuning().orElseThrow();
    assertEquals("regParam=0.0", result.bestCandidate().describe());
    assertTrue(!result.largerIsBetter() && result.candidates().get(0).metric() > result.bestCandidate().metric(),
        result.candidates().toString());
    assertEquals("0.0", trainer.effectiveParams().get("regParam"));
  }

  @Test
  void aRandomSearchDrawsItsTrialsWithTheSeed() {
    TuningConfig tuning = new TuningConfig("random", "cross-validation", 3, 0.8, 2, 6, 11, "auto", Map.of(
        "regParam", new ParamSpace(List.of(), Optional.of(new ParamRange(0.001, 1.0, true))),
        "maxIter", new ParamSpace(List.of(), Optional.of(new ParamRange(5, 50, false))),
        "fitIntercept", ParamSpace.of(List.of("true", "false"))));
    LogisticRegression estimator = new LogisticRegression();
    ParamMap[] maps = Tuning.paramMaps(tuning, estimator);
    assertEquals(6, maps.length);
    for (ParamMap map : maps) {
      double reg = (Double) map.apply(estimator.regParam());
      int iterations = (Integer) map.apply(estimator.maxIter());
      assertTrue(reg >= 0.001 && reg <= 1.0 && iterations >= 5 && iterations <= 50, map.toString());
    }
    assertEquals(Arrays.toString(maps), Arrays.toString(Tuning.paramMaps(tuning, estimator)), "the same seed");
    TuningConfig reseeded = new TuningConfig("random", "cross-validation", 3, 0.8, 2, 6, 12, "auto",
        tuning.space());
    assertNotEquals(Arrays.toString(maps), Arrays.toString(Tuning.paramMaps(reseeded, estimator)));

    TuningConfig lists = new TuningConfig("random", "cross-validation", 3, 0.8, 2, 3, 11, "auto", Map.of(
        "regParam", ParamSpace.of(List.of("0.0", "0.1")), "maxIter", ParamSpace.of(List.of("5", "10"))));
    ParamMap[] drawn = Tuning.paramMaps(lists, estimator);
    assertEquals(3, drawn.length);
    assertEquals(3, Arrays.stream(drawn).map(ParamMap::toString).distinct().count(),
        "lists alone: combinations drawn without repetition");
  }
}
