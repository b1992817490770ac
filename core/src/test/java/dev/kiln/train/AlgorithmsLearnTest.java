package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.testing.UsesSpark;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every algorithm learns every task it serves: fitted on generated rows with a known rule, it must be measured well
 * above chance on held-out rows (accuracy above 0.8 where chance is 0.5 or 0.33; R² above 0.8).
 */
@UsesSpark
class AlgorithmsLearnTest {

  static Stream<Arguments> algorithmsAndTasks() {
    Map<String, Map<String, String>> params = Map.of(
        // Real-valued features: the gaussian model (multinomial needs non-negative counts).
        "naive-bayes", Map.of("modelType", "gaussian"),
        "gbt", Map.of("maxIter", "10"),
        "random-forest", Map.of("numTrees", "10"),
        "logistic-regression", Map.of("maxIter", "30"),
        "linear-svm", Map.of("maxIter", "30"),
        "xgboost", Map.of("numRound", "30"),
        "lightgbm", Map.of("numIterations", "30"),
        "mlp", Map.of("maxIter", "100", "seed", "3"));
    return Stream.of(Algorithm.values()).flatMap(a -> a.tasks().stream()
        .map(t -> Arguments.of(a.configName(), t, params.getOrDefault(a.configName(), Map.of()))));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("algorithmsAndTasks")
  void learnsTheRule(String algorithm, Task task, Map<String, String> params, SparkSession spark) {
    Dataset<Row> rows = Learning.rows(spark, task, 2000);
    HoldOutSplit split = new HoldOutSplit(0.25, List.of(), 5);
    ModelTrainer trainer = Learning.trainer(Learning.model(algorithm, task, params), task);
    PipelineModel model = trainer.fit(split.train(rows));
    Map<String, Double> metrics = Learning.metrics(model, split.test(rows), task);
    String metric = task == Task.REGRESSION ? "r2" : "accuracy";
    assertTrue(metrics.get(metric) > 0.8, algorithm + " " + task + ": " + metrics);
  }
}
