package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.PipelineConfig.EarlyStoppingConfig;
import dev.kiln.config.PipelineConfig.ModelConfig;
import dev.kiln.config.PipelineConfig.ParamRange;
import dev.kiln.config.PipelineConfig.ParamSpace;
import dev.kiln.config.PipelineConfig.TuningConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which model settings fit which algorithm and task, checked before any work. */
class ModelChecksTest {

  private static ModelConfig model(String algorithm, Map<String, String> params, List<Integer> layers,
      String weights, TuningConfig tuning, boolean earlyStopping) {
    return new ModelConfig("m", "auto", algorithm, params, layers, weights, tuning,
        new EarlyStoppingConfig(earlyStopping, 0.1, 1));
  }

  private static List<String> problems(ModelConfig model, Task task) {
    return ModelChecks.problems(model, Optional.ofNullable(task)).stream()
        .map(p -> p.key() + ": " + p.message()).toList();
  }

  @Test
  void anAlgorithmThatCannotLearnTheTaskIsNamed() {
    List<String> problems = problems(model("linear-svm", Map.of(), List.of(), "none", TuningConfig.NONE, false),
        Task.MULTICLASS);
    assertEquals(List.of("model.algorithm: model.algorithm = linear-svm cannot learn a multiclass task; it serves "
        + "binary"), problems);
    assertEquals(List.of(), problems(model("linear-svm", Map.of(), List.of(), "none", TuningConfig.NONE, false),
        null), "with model.task = auto the label decides later");
  }

  @Test
  void settingsThatDoNotApplyAreEachReported() {
    assertEquals(List.of("model.class-weights: mlp cannot weight rows (MLlib's multilayer perceptron has no "
        + "weightCol): set model.class-weights = none, or choose another algorithm",
        "model.early-stopping.enabled: applies to gbt, xgboost and lightgbm, not mlp"),
        problems(model("mlp", Map.of(), List.of(8), "balanced", TuningConfig.NONE, true), Task.BINARY));
    List<String> problems = problems(model("random-forest", Map.of("layers", "3"), List.of(8), "balanced",
        TuningConfig.NONE, false), Task.REGRESSION);
    assertEquals(3, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("model.params.layers: random-forest has no parameter 'layers'"),
        problems.toString());
    assertEquals("model.hidden-layers: applies to model.algorithm = mlp only, not random-forest", problems.get(1));
    assertEquals("model.class-weights: balanced class weights apply to classification, not to a regression task",
        problems.get(2));
    assertTrue(problems(model("mlp", Map.of("layers", "4,3"), List.of(), "none", TuningConfig.NONE, false),
        Task.BINARY).get(0).contains("is completed by Kiln: give the hidden layers as model.hidden-layers"));
  }

  @Test
  void theSearchSpaceIsCheckedAgainstTheEstimator() {
    TuningConfig tuning = new TuningConfig("random", "cross-validation", 3, 0.8, 2, 5, 1, "rmse", Map.of(
        "maxDepth", ParamSpace.of(List.of("3", "deep")),
        "regParam", ParamSpace.of(List.of("0.1")),
        "minInstancesPerNode", new ParamSpace(List.of(), Optional.of(new ParamRange(1, 10, false))),
        "impurity", new ParamSpace(List.of(), Optional.of(new ParamRange(1, 10, false)))));
    List<String> problems = problems(model("decision-tree", Map.of(), List.of(), "none", tuning, false),
        Task.BINARY);
    assertEquals(4, problems.size(), problems.toString());
    assertTrue(problems.contains("model.tuning.grid.maxDepth: 'deep' is not valid: expected a whole number"),
        problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("model.tuning.grid.regParam: decision-tree has no "
        + "parameter 'regParam'")), problems.toString());
    assertTrue(problems.contains("model.tuning.grid.impurity: a range { min, max } applies to numeric parameters: "
        + "list the values of impurity"), problems.toString());
    assertTrue(problems.contains("model.tuning.metric: 'rmse' does not measure a binary task; one of auc_roc, "
        + "auc_pr, accuracy, f1, log_loss"), problems.toString());
  }
}
