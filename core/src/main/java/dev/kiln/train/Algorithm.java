package dev.kiln.train;

import com.microsoft.azure.synapse.ml.lightgbm.LightGBMClassifier;
import com.microsoft.azure.synapse.ml.lightgbm.LightGBMRegressor;
import dev.kiln.errors.ConfigProblem;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.feature.FeatureStages;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassifier;
import ml.dmlc.xgboost4j.scala.spark.XGBoostRegressor;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.classification.DecisionTreeClassifier;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LinearSVC;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.classification.NaiveBayes;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.FloatParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.regression.DecisionTreeRegressor;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.RandomForestRegressor;

/**
 * The learning algorithms a config can name ({@code model.algorithm}), each an MLlib, XGBoost4J-Spark or SynapseML
 * LightGBM estimator chosen by the {@link Task}: a classifier for binary and multiclass labels, a regressor for
 * regression. Parameters
 * are given by the estimator's Spark names ({@code maxIter}, {@code regParam}, ...) and checked before any work.
 */
public enum Algorithm {
  LOGISTIC_REGRESSION("logistic-regression", LogisticRegression::new, null, false),
  LINEAR_REGRESSION("linear-regression", null, LinearRegression::new, false),
  DECISION_TREE("decision-tree", DecisionTreeClassifier::new, DecisionTreeRegressor::new, false),
  RANDOM_FOREST("random-forest", RandomForestClassifier::new, RandomForestRegressor::new, false),
  /** MLlib's {@code GBTClassifier} is binary only; multiclass boosting is {@link #XGBOOST}'s. */
  GBT("gbt", GBTClassifier::new, GBTRegressor::new, true),
  /** {@code LinearSVC}: binary only, and without class probabilities (metrics rank by its margin). */
  LINEAR_SVM("linear-svm", LinearSVC::new, null, true),
  NAIVE_BAYES("naive-bayes", NaiveBayes::new, null, false),
  MLP("mlp", MultilayerPerceptronClassifier::new, null, false),
  XGBOOST("xgboost", XGBoostClassifier::new, XGBoostRegressor::new, false),
  /**
   * LightGBM (SynapseML): histogram-boosted trees grown leaf-wise, one native dataset per executor trained on all its
   * cores; the fastest boosted trees Kiln has on few machines (bench/README.md).
   */
  LIGHTGBM("lightgbm", LightGBMClassifier::new, LightGBMRegressor::new, false);

  /** Parameters Kiln sets itself, with the config key that decides them. */
  private static final Map<String, String> SET_BY_KILN = Map.of(
      "labelCol", "the features section",
      "featuresCol", "the features section",
      "validationIndicatorCol", "model.early-stopping");

  private final String configName;
  private final Supplier<Predictor<?, ?, ?>> classifier;
  private final Supplier<Predictor<?, ?, ?>> regressor;
  private final boolean binaryOnly;

  Algorithm(String configName, Supplier<Predictor<?, ?, ?>> classifier, Supplier<Predictor<?, ?, ?>> regressor,
      boolean binaryOnly) {
    this.configName = configName;
    this.classifier = classifier;
    this.regressor = regressor;
    this.binaryOnly = binaryOnly;
  }

  public String configName() {
    return configName;
  }

  /** Every value {@code model.algorithm} accepts. */
  public static List<String> configNames() {
    return Arrays.stream(values()).map(Algorithm::configName).toList();
  }

  public static Algorithm named(String configName) {
    return Arrays.stream(values()).filter(a -> a.configName.equals(configName)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown algorithm " + configName));
  }

  /** The tasks this algorithm has an estimator for. */
  public Set<Task> tasks() {
    Set<Task> tasks = EnumSet.noneOf(Task.class);
    if (classifier != null) {
      tasks.add(Task.BINARY);
      if (!binaryOnly) {
        tasks.add(Task.MULTICLASS);
      }
    }
    if (regressor != null) {
      tasks.add(Task.REGRESSION);
    }
    return tasks;
  }

  public boolean supports(Task task) {
    return tasks().contains(task);
  }

  /** Whether its classifier gives class probabilities (a {@code probability} column); all but the linear SVM. */
  public boolean probabilistic() {
    return this != LINEAR_SVM;
  }

  /** Why this algorithm cannot learn {@code task}, in words naming {@code model.algorithm}; empty when it can. */
  public Optional<String> unsupported(Task task) {
    if (supports(task)) {
      return Optional.empty();
    }
    String serves = String.join(", ", tasks().stream().map(Task::configName).toList());
    String hint = this == GBT && task == Task.MULTICLASS
        ? " (MLlib's GBTClassifier is binary only: use xgboost or random-forest for several classes)" : "";
    return Optional.of("model.algorithm = " + configName + " cannot learn a " + task.configName()
        + " task; it serves " + serves + hint);
  }

  /** Throws {@link InvalidInputException} when the task the label decided is one this algorithm cannot learn. */
  public void requireSupports(Task task) {
    unsupported(task).ifPresent(message -> {
      throw new InvalidInputException(message);
    });
  }

  /**
   * A configured estimator for {@code task} reading {@link FeatureStages#FEATURES} and {@code label}.
   *
   * @throws InvalidConfigException when a parameter is unknown or invalid
   */
  public Predictor<?, ?, ?> estimator(Task task, String label, Map<String, String> params) {
    List<ConfigProblem> problems = new ArrayList<>();
    Predictor<?, ?, ?> estimator = configure(factory(task), label, params, problems);
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return estimator;
  }

  /** As {@link #estimator(Task, String, Map)} for the algorithm's first task: for checks and defaults. */
  public Predictor<?, ?, ?> estimator(String label, Map<String, String> params) {
    return estimator(tasks().iterator().next(), label, params);
  }

  /** An unconfigured estimator for {@code task} (or for the algorithm's first task when it cannot learn it). */
  Predictor<?, ?, ?> factory(Task task) {
    boolean classify = supports(task) ? task.classification() : classifier != null;
    return (classify ? classifier : regressor).get();
  }

  /**
   * Every problem with {@code params}, as config problems on {@code model.params.<name>}: checked against the
   * estimator of {@code task}, or, when the task is left to the label, against each estimator the algorithm has (a
   * parameter is a problem when none accepts it).
   */
  public List<ConfigProblem> check(Map<String, String> params, Optional<Task> task, String origin) {
    List<Task> candidates = task.filter(this::supports).map(List::of)
        .orElseGet(() -> tasks().contains(Task.REGRESSION) && tasks().size() > 1
            ? List.of(Task.BINARY, Task.REGRESSION) : List.of(tasks().iterator().next()));
    List<ConfigProblem> first = null;
    for (Task candidate : candidates) {
      List<ConfigProblem> problems = new ArrayList<>();
      configure(factory(candidate), "label", params, problems);
      if (first == null || problems.size() < first.size()) {
        first = problems;
      }
    }
    return first.stream().map(p -> new ConfigProblem(origin, p.key(), p.message())).toList();
  }

  /** Whether {@code param} holds a number (so a search may draw it from a range). */
  boolean numeric(String param, Optional<Task> task) {
    Predictor<?, ?, ?> estimator = factory(task.orElse(tasks().iterator().next()));
    if (!estimator.hasParam(param)) {
      return true;  // reported as unknown by check
    }
    Param<?> p = estimator.getParam(param);
    return p instanceof IntParam || p instanceof LongParam || p instanceof DoubleParam || p instanceof FloatParam;
  }

  /** As {@link #check(Map, Optional, String)} with the task left to the label. */
  public List<ConfigProblem> check(Map<String, String> params, String origin) {
    return check(params, Optional.empty(), origin);
  }

  private Predictor<?, ?, ?> configure(Predictor<?, ?, ?> estimator, String label, Map<String, String> params,
      List<ConfigProblem> problems) {
    estimator.set(estimator.labelCol(), label);
    estimator.set(estimator.featuresCol(), FeatureStages.FEATURES);
    for (Map.Entry<String, String> entry : params.entrySet()) {
      String key = "model.params." + entry.getKey();
      if (!estimator.hasParam(entry.getKey())) {
        problems.add(new ConfigProblem("", key, configName + " has no parameter '" + entry.getKey()
            + "'; it has " + Arrays.stream(estimator.params()).map(Param::name).sorted().toList()));
        continue;
      }
      if (SET_BY_KILN.containsKey(entry.getKey())) {
        problems.add(new ConfigProblem("", key, "is set by Kiln from " + SET_BY_KILN.get(entry.getKey())));
        continue;
      }
      if (this == MLP && "layers".equals(entry.getKey())) {
        problems.add(new ConfigProblem("", key, "is completed by Kiln: give the hidden layers as "
            + "model.hidden-layers = [16, 8]; the input and output sizes come from the features and the classes"));
        continue;
      }
      Param<?> param = estimator.getParam(entry.getKey());
      try {
        set(estimator, param, typed(param, entry.getValue()));
      } catch (IllegalArgumentException e) {
        problems.add(new ConfigProblem("", key, "'" + entry.getValue() + "' is not valid: " + e.getMessage()));
      }
    }
    return estimator;
  }

  @SuppressWarnings("unchecked")
  static void set(org.apache.spark.ml.param.Params estimator, Param<?> param, Object value) {
    estimator.set((Param<Object>) param, value);
  }

  /**
   * {@code value} as the type {@code param} holds, checked against its validator. Array parameters
   * ({@code thresholds}, {@code monotoneConstraints}, ...) are written as comma-separated lists: {@code "0.3,0.7"}.
   *
   * @throws IllegalArgumentException saying what was expected
   */
  @SuppressWarnings("unchecked")
  static Object typed(Param<?> param, String text) {
    String value = text.trim();
    Object typed;
    if (param instanceof IntParam) {
      typed = parse(value, Integer::valueOf, "a whole number");
    } else if (param instanceof LongParam) {
      typed = parse(value, Long::valueOf, "a whole number");
    } else if (param instanceof DoubleParam) {
      typed = parse(value, Double::valueOf, "a number");
    } else if (param instanceof FloatParam) {
      typed = parse(value, Float::valueOf, "a number");
    } else if (param instanceof BooleanParam) {
      if (!value.equals("true") && !value.equals("false")) {
        throw new IllegalArgumentException("expected true or false");
      }
      typed = Boolean.valueOf(value);
    } else if (param instanceof IntArrayParam) {
      typed = list(value).stream().mapToInt(v -> (Integer) parse(v, Integer::valueOf, "whole numbers, "
          + "comma-separated")).toArray();
    } else if (param instanceof DoubleArrayParam) {
      typed = list(value).stream().mapToDouble(v -> (Double) parse(v, Double::valueOf, "numbers, comma-separated"))
          .toArray();
    } else if (param instanceof StringArrayParam) {
      typed = list(value).toArray(String[]::new);
    } else if (param.getClass() == Param.class) {
      typed = value;
    } else {
      throw new IllegalArgumentException("parameters of type " + param.getClass().getSimpleName()
          + " cannot be set from a config");
    }
    if (!((Param<Object>) param).isValid().apply(typed).equals(Boolean.TRUE)) {
      throw new IllegalArgumentException("out of the range " + param.doc());
    }
    return typed;
  }

  private static List<String> list(String value) {
    String inner = value.startsWith("[") && value.endsWith("]") ? value.substring(1, value.length() - 1) : value;
    return inner.isBlank() ? List.of() : Arrays.stream(inner.split(",")).map(String::trim).toList();
  }

  private static Object parse(String value, Function<String, Object> parser, String expected) {
    try {
      return parser.apply(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected " + expected);
    }
  }
}
