package dev.kiln.train;

import dev.kiln.config.PipelineConfig.FeatureConfig;
import dev.kiln.config.PipelineConfig.ModelConfig;
import dev.kiln.config.PipelineConfig.ParamSpace;
import dev.kiln.errors.ConfigProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a model section fits its algorithm and task: the parameters by Spark name, the algorithm against the task,
 * and which of hidden layers, class weights, early stopping and the tuning search apply. The preflight runs it with
 * the configured task (left open for {@code auto}); the trainer runs it again with the task the label decided.
 */
public final class ModelChecks {

  private ModelChecks() {}

  /**
   * Every problem, keyed by config path ({@code model.algorithm}, {@code model.params.maxIter}, ...), with an empty
   * origin for the caller to fill in.
   *
   * @param task the task, when known before the data is read
   */
  public static List<ConfigProblem> problems(ModelConfig model, Optional<Task> task) {
    List<ConfigProblem> problems = new ArrayList<>();
    Algorithm algorithm = Algorithm.named(model.algorithm());
    task.flatMap(algorithm::unsupported).ifPresent(m -> problems.add(problem("model.algorithm", m)));
    Optional<Task> known = task.filter(algorithm::supports);
    problems.addAll(algorithm.check(model.params(), known, ""));

    if (!model.hiddenLayers().isEmpty() && algorithm != Algorithm.MLP) {
      problems.add(problem("model.hidden-layers", "applies to model.algorithm = mlp only, not "
          + algorithm.configName()));
    }
    boolean classifies = known.map(Task::classification)
        .orElse(algorithm.tasks().stream().anyMatch(Task::classification));
    if (model.balanced()) {
      if (algorithm == Algorithm.MLP) {
        problems.add(problem("model.class-weights", "mlp cannot weight rows (MLlib's multilayer perceptron has no "
            + "weightCol): set model.class-weights = none, or choose another algorithm"));
      } else if (!classifies) {
        problems.add(problem("model.class-weights", "balanced class weights apply to classification, not to a "
            + known.map(Task::configName).orElse("regression") + " task"));
      }
      if (model.params().containsKey("weightCol")) {
        problems.add(problem("model.params.weightCol", "is set by Kiln when model.class-weights = balanced"));
      }
    }
    if (model.earlyStopping().enabled() && !EARLY_STOPPING.contains(algorithm)) {
      problems.add(problem("model.early-stopping.enabled", "applies to gbt, xgboost and lightgbm, not "
          + algorithm.configName()));
    }
    if (model.tuning().enabled()) {
      tuning(model, algorithm, known, task, problems);
    }
    return problems;
  }

  /** Algorithms that boost until a validation part stops improving, with {@code model.early-stopping}. */
  static final java.util.Set<Algorithm> EARLY_STOPPING = java.util.EnumSet.of(Algorithm.GBT, Algorithm.XGBOOST,
      Algorithm.LIGHTGBM);

  /** Algorithms that split on sets of a category's values: what {@code categorical-encoding = native} feeds. */
  static final java.util.Set<Algorithm> CATEGORY_SPLITTING = java.util.EnumSet.of(Algorithm.DECISION_TREE,
      Algorithm.RANDOM_FOREST, Algorithm.GBT, Algorithm.XGBOOST, Algorithm.LIGHTGBM);

  /**
   * The problem with {@code features.categorical-encoding = native} for an algorithm that would read a category's
   * index as a number (linear models, naive Bayes, the MLP), if any.
   */
  public static Optional<ConfigProblem> categoricalEncoding(FeatureConfig features, Algorithm algorithm) {
    if (!features.nativeCategorical() || CATEGORY_SPLITTING.contains(algorithm)) {
      return Optional.empty();
    }
    return Optional.of(problem("features.categorical-encoding", "native applies to decision-tree, random-forest, "
        + "gbt, xgboost and lightgbm, which split on sets of categories; " + algorithm.configName() + " would read a "
        + "category's index as a number: use one-hot"));
  }

  /** @param known the task when the algorithm can learn it; {@code task} the configured one */
  private static void tuning(ModelConfig model, Algorithm algorithm, Optional<Task> known, Optional<Task> task,
      List<ConfigProblem> problems) {
    for (Map.Entry<String, ParamSpace> entry : model.tuning().space().entrySet()) {
      String key = "model.tuning.grid." + entry.getKey();
      List<String> values = new ArrayList<>(entry.getValue().values());
      if (entry.getValue().range().isPresent()) {
        if (!algorithm.numeric(entry.getKey(), known)) {
          problems.add(problem(key, "a range { min, max } applies to numeric parameters: list the values of "
              + entry.getKey()));
          continue;
        }
        // The ends as a draw gives them: whole numbers for whole-number parameters.
        for (double end : List.of(entry.getValue().range().get().min(), entry.getValue().range().get().max())) {
          values.add(end == Math.rint(end) ? String.valueOf((long) end) : String.valueOf(end));
        }
      }
      for (String value : values) {
        List<ConfigProblem> found = algorithm.check(Map.of(entry.getKey(), value), known, "");
        if (!found.isEmpty()) {
          problems.add(problem(key, found.get(0).message()));
          break;
        }
      }
    }
    String metric = model.tuning().metric();
    if (!"auto".equals(metric)) {
      List<Task> tasks = task.map(List::of).orElse(List.copyOf(algorithm.tasks()));
      if (tasks.stream().noneMatch(t -> Tuning.metrics(t, algorithm.probabilistic()).contains(metric))) {
        problems.add(problem("model.tuning.metric", "'" + metric + "' does not measure "
            + (task.isPresent() ? "a " + task.get().configName() + " task" : algorithm.configName())
            + "; one of " + String.join(", ", tasks.stream()
                .flatMap(t -> Tuning.metrics(t, algorithm.probabilistic()).stream()).distinct().toList())));
      }
    }
  }

  private static ConfigProblem problem(String key, String message) {
    return new ConfigProblem("", key, message);
  }
}
